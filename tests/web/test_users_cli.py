"""`monitor users ...`: accounts from the command line."""

from __future__ import annotations

from sqlalchemy import select
from typer.testing import CliRunner

from monitor.cli import app
from monitor.models import User
from monitor.web.accounts import account_by_token, verify_login

runner = CliRunner()


def users(env, *args, stdin=None):
    return runner.invoke(app, ["users", *args], env=env, input=stdin, catch_exceptions=False)


def test_it_adds_the_first_admin_with_a_password_from_stdin(env, engine):
    result = users(env, "add", "adam", "--role", "admin", "--password-stdin", stdin="ett långt lösenord\n")
    assert result.exit_code == 0, result.output
    assert "adam (admin)" in result.output
    with engine.begin() as conn:
        assert verify_login(conn, "adam", "ett långt lösenord").role == "admin"
        stored = conn.execute(select(User.__table__.c.password_hash)).scalar_one()  # type: ignore[attr-defined]
    assert stored.startswith("$argon2id$") and "ett långt" not in stored


def test_it_prompts_for_the_password_twice(env, engine):
    result = users(env, "add", "anna", "--role", "analyst", stdin="ett långt lösenord\nett långt lösenord\n")
    assert result.exit_code == 0, result.output
    with engine.begin() as conn:
        assert verify_login(conn, "anna", "ett långt lösenord") is not None


def test_it_refuses_a_short_password_an_unknown_role_and_a_second_user_of_the_same_name(env):
    assert "shorter than 10" in users(env, "add", "a", "--role", "viewer", "--password-stdin", stdin="kort\n").output
    assert users(env, "add", "a", "--role", "boss", "--password-stdin", stdin="ett långt lösenord\n").exit_code == 2
    users(env, "add", "a", "--role", "viewer", "--password-stdin", stdin="ett långt lösenord\n")
    again = users(env, "add", "a", "--role", "viewer", "--password-stdin", stdin="ett långt lösenord\n")
    assert again.exit_code == 2 and "already a user" in again.output


def test_the_token_is_the_last_line_and_only_its_hash_is_stored(env, engine):
    users(env, "add", "anna", "--role", "analyst", "--password-stdin", stdin="ett långt lösenord\n")
    result = users(env, "token", "anna")
    token = result.stdout.strip().splitlines()[-1]
    assert token.startswith("mon_")
    with engine.begin() as conn:
        assert account_by_token(conn, token).name == "anna"
        stored = conn.execute(select(User.__table__.c.token_hash)).scalar_one()  # type: ignore[attr-defined]
    assert stored != token and token not in result.stdout.splitlines()[0]


def test_passwd_and_disable(env, engine):
    users(env, "add", "anna", "--role", "analyst", "--password-stdin", stdin="ett långt lösenord\n")
    assert users(env, "passwd", "anna", "--password-stdin", stdin="ett annat långt lösenord\n").exit_code == 0
    with engine.begin() as conn:
        assert verify_login(conn, "anna", "ett långt lösenord") is None
        assert verify_login(conn, "anna", "ett annat långt lösenord") is not None
    assert users(env, "disable", "anna").exit_code == 0
    with engine.begin() as conn:
        assert verify_login(conn, "anna", "ett annat långt lösenord") is None
    assert "(avstängd)" in users(env, "list").output
    assert users(env, "passwd", "nobody", "--password-stdin", stdin="ett långt lösenord\n").exit_code == 2
