"""Run the web application with uvicorn: the address, the token and the limits."""

from __future__ import annotations

import secrets
from pathlib import Path

from ..errors import ScenarioError
from .app import create_app, share_url
from .uploads import Limits

__all__ = ["serve", "LOCAL_HOSTS", "check_host_token"]

#: Addresses only this computer can reach: no token is needed there.
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def check_host_token(host: str, token: str | None) -> str | None:
    """The token to require: the one given; a new one for another address when none was given."""
    if token is not None and not token.strip():
        raise ScenarioError("--token is empty; give a token, or leave --token out on 127.0.0.1")
    if token is None and host not in LOCAL_HOSTS:
        return secrets.token_urlsafe(18)
    return token


def serve(data: str | Path, *, host: str = "127.0.0.1", port: int = 8765, token: str | None = None,
          max_upload_mb: int = 50, time_limit: float = 30.0, echo=print) -> None:
    """Serve the pages until stopped (Ctrl-C).

    On an address other than this computer's, every request must carry ``token`` (one is made and
    printed when none is given).
    """
    import uvicorn

    token = check_host_token(host, token)
    limits = Limits(max_upload_bytes=max_upload_mb * 1024 * 1024,
                    max_extracted_bytes=4 * max_upload_mb * 1024 * 1024)
    app = create_app(data, token=token, limits=limits, default_time_limit=time_limit)
    if host in ("0.0.0.0", "::"):
        echo(f"targeting: the pages are at {share_url('127.0.0.1', port, token)} on this computer;")
        echo(f"  from another computer: {share_url('ADDRESS-OF-THIS-COMPUTER', port, token)}")
    else:
        echo(f"targeting: the pages are at {share_url(host, port, token)}")
    echo(f"work is kept in {Path(data).resolve()}; stop with Ctrl-C")
    uvicorn.run(app, host=host, port=port, log_level="warning")
