"""The web portal: server-rendered pages (Jinja2, plain forms, no JavaScript needed).

Pages: sign-in and first-admin setup; dashboard; integrations (the Add Integration wizard of
Pipe17's guide, flow switches, sync now, backfill, key replacement); orders with their
timeline, raw store document and a test fulfill form; products with variants; inventory;
locations; fulfillments; exceptions (retry, resolve); run history.
"""

from orderhub.portal.app import create_portal_app
from orderhub.portal.links import demo_sign_in_link, setup_link

__all__ = ["create_portal_app", "demo_sign_in_link", "setup_link"]
