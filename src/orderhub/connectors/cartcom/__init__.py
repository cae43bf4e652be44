"""The Cart.com (formerly AmeriCommerce) Online Store connector."""
