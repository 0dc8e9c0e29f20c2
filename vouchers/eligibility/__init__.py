"""The eligibility engine: small rule functions registered by stable codes,
run over plain facts with a program version's parameters.

``facts.py`` describes what a decision looks at; ``rules.py`` holds the rules;
``engine.py`` runs a rule set and computes the subsidy step by step.
"""
