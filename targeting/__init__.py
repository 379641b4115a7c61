"""targeting: who gets which livelihood support, for the most sustainable exits from poverty."""

__version__ = "0.1.0"
