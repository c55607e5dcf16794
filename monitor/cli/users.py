"""`monitor users ...`: the accounts of the web UI and the API."""

from __future__ import annotations

import getpass
import sys
from enum import StrEnum
from typing import Annotated

import typer

from monitor.cli.common import console, state_of, translator, user_errors
from monitor.texts import Texts

TEXTS = Texts(
    sv={
        "added": "Användaren {name} ({role}) är skapad.",
        "passwd": "Nytt lösenord för {name}; dess inloggningar är avslutade.",
        "disabled": "{name} är avstängd: kan inte logga in, token och inloggningar gäller inte längre.",
        "token": "Ny API-token för {name} (den gamla slutar gälla). Den visas bara nu; skicka den som "
                 "\"Authorization: Bearer <token>\":",
        "password": "Lösenord för {name}",
        "mismatch": "Lösenorden var inte lika.",
        "empty_stdin": "Inget lösenord på standard in.",
        "none": "Inga användare: `monitor users add NAMN --role admin` skapar den första.",
        "row": "{name}  {role}{disabled}",
        "is_disabled": "  (avstängd)",
    },
    en={
        "added": "User {name} ({role}) created.",
        "passwd": "New password for {name}; their sessions are ended.",
        "disabled": "{name} is disabled: cannot log in, token and sessions no longer valid.",
        "token": "New API token for {name} (the old one stops working). It is shown only now; send it as "
                 "\"Authorization: Bearer <token>\":",
        "password": "Password for {name}",
        "mismatch": "The passwords did not match.",
        "empty_stdin": "No password on standard input.",
        "none": "No users: `monitor users add NAME --role admin` creates the first.",
        "row": "{name}  {role}{disabled}",
        "is_disabled": "  (disabled)",
    },
)

users_app = typer.Typer(no_args_is_help=True, help="Accounts of the web UI and API: add, passwd, disable, token, list.")


class Role(StrEnum):
    viewer = "viewer"
    analyst = "analyst"
    admin = "admin"


Name = Annotated[str, typer.Argument(help="The user's login name.")]
PasswordStdin = Annotated[bool, typer.Option("--password-stdin", help="Read the password from standard input "
                                             "(first line), for scripts.")]


def _actor() -> str:
    """Who made the change, for the audit log: the operating-system user at the terminal."""
    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):
        return "cli"


def _password(ctx: typer.Context, name: str, from_stdin: bool) -> str:
    t = translator(ctx, TEXTS)
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise LookupError(t("empty_stdin"))
        return password
    return typer.prompt(t("password", name=name), hide_input=True, confirmation_prompt=True)


@users_app.command("add")
@user_errors
def add(ctx: typer.Context, name: Name,
        role: Annotated[Role, typer.Option("--role", help="viewer reads rankings and alerts; analyst also sees "
                                           "evidence and changes alerts; admin also manages users and reads "
                                           "the audit log.")],
        password_stdin: PasswordStdin = False) -> None:
    """Create a user; the password is prompted for (or read with --password-stdin)."""
    from monitor.web.accounts import add_user

    password = _password(ctx, name, password_stdin)
    with state_of(ctx).engine().begin() as conn:
        account = add_user(conn, name, role.value, password, _actor())
    console.print(translator(ctx, TEXTS)("added", name=account.name, role=account.role), highlight=False, markup=False)


@users_app.command("passwd")
@user_errors
def passwd(ctx: typer.Context, name: Name, password_stdin: PasswordStdin = False) -> None:
    """Set a new password for a user; their sessions end."""
    from monitor.web.accounts import find_account, set_password

    with state_of(ctx).engine(create=False).connect() as conn:
        if find_account(conn, name) is None:
            raise LookupError(f"no user {name!r}")
    password = _password(ctx, name, password_stdin)
    with state_of(ctx).engine(create=False).begin() as conn:
        account = set_password(conn, name, password, _actor())
    console.print(translator(ctx, TEXTS)("passwd", name=account.name), highlight=False, markup=False)


@users_app.command("disable")
@user_errors
def disable(ctx: typer.Context, name: Name) -> None:
    """Disable a user: no login, no API token, sessions ended. The name stays in the audit log."""
    from monitor.web.accounts import disable_user

    with state_of(ctx).engine(create=False).begin() as conn:
        account = disable_user(conn, name, _actor())
    console.print(translator(ctx, TEXTS)("disabled", name=account.name), highlight=False, markup=False)


@users_app.command("token")
@user_errors
def token(ctx: typer.Context, name: Name) -> None:
    """Print a new API token for a user as the last line (only its hash is stored)."""
    from monitor.web.accounts import issue_token

    with state_of(ctx).engine(create=False).begin() as conn:
        value = issue_token(conn, name, _actor())
    console.print(translator(ctx, TEXTS)("token", name=name), highlight=False, markup=False)
    sys.stdout.write(value + "\n")


@users_app.command("list")
@user_errors
def list_users_command(ctx: typer.Context) -> None:
    """The users with their roles."""
    from monitor.web.accounts import list_users

    t = translator(ctx, TEXTS)
    with state_of(ctx).engine(create=False).connect() as conn:
        accounts = list_users(conn)
    if not accounts:
        console.print(t("none"), highlight=False, markup=False)
    for a in accounts:
        console.print(t("row", name=a.name, role=a.role, disabled=t("is_disabled") if a.disabled else ""),
                      highlight=False, markup=False)
