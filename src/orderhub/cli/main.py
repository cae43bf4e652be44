"""Entry point of the `orderhub` console script: every error is one clear line and exit code 1.

Errors a command raises are turned into that line by the app itself (`cli.app`); this catches
what happens outside any command, and Ctrl-C.

Each command module imports what it needs when it runs (`orderhub --help` imports no
database, engine or web code), and a test keeps it so.
"""

from __future__ import annotations

import gc
import os
import sys

from orderhub.cli import (  # noqa: F401  (importing registers the commands)
    alerts_cmd,
    apikeys_cmd,
    db_cmd,
    demo_cmd,
    exceptions_cmd,
    flows_cmd,
    fulfillments_cmd,
    integrations_cmd,
    inventory_cmd,
    lists_cmd,
    products_cmd,
    sandbox_cmd,
    serve_cmd,
    settings_cmd,
    shipping_methods_cmd,
    sync_cmd,
    verify_cmd,
    worker_cmd,
)
from orderhub.cli.app import app
from orderhub.cli.errors import explain
from orderhub.cli.help import readable_help
from orderhub.cli.output import err_console, shown

__all__ = ["main"]

app.command("sandbox", help=sandbox_cmd.HELP)(sandbox_cmd.sandbox_command)
readable_help(app)


def main() -> None:
    try:
        app(standalone_mode=True)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        err_console.print("Interrupted.")
        sys.exit(130)
    except Exception as error:
        if os.environ.get("ORDERHUB_DEBUG"):
            raise
        err_console.print(shown("Error: ", explain(error)))
        sys.exit(1)
    finally:
        # The process ends here. Its objects (mostly modules: SQLAlchemy, pydantic, the
        # hub's tables) are set aside, so the garbage collection at exit does not walk them
        # all: a fifth of a short command's time (`orderhub orders list`) went to that.
        gc.freeze()


if __name__ == "__main__":
    main()
