"""The program dashboard (managers and auditors): the figures of a program
report (audits.reports.data.program_figures, one place for them) as charts
drawn by Apache ECharts served from this site, and the same figures as an
audited XLSX."""
