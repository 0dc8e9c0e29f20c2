"""Redemption: charges against vouchers at providers (services), the
reads (selectors), who decides a dispute (scope), and the pages and API."""
