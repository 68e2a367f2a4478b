"""Scenario tests: gated servers booted side by side, each to its verdict."""
