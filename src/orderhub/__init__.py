"""OrderHub: an open-source order-operations hub with a Cart.com connector."""

__version__ = "0.1.0"
