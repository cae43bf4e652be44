"""Hub services: what the CLI, the portal and the REST API do, written once."""
