"""The sandbox's stand-in for Snowflake's built-in `_snowflake` module.

Only the secrets listed in the function's SECRETS clause are reachable, by their alias. The OAuth
token exchange happens outside Python (in the stand-in, as Snowflake's service does it), so this
module asks its parent process over a pipe and waits for the answer.
"""

_ask = None  # set by the harness: (request dict) -> answer dict
_aliases = {}  # alias -> secret type ('OAUTH2')


def _configure(ask, aliases):
    global _ask
    _ask = ask
    _aliases.clear()
    _aliases.update(aliases)


def _check(alias, wanted):
    if alias not in _aliases:
        raise ValueError(
            f"Secret '{alias}' is not bound to this function: list it in the function's SECRETS clause"
        )
    kind = _aliases[alias]
    if kind != wanted:
        raise TypeError(f"Secret '{alias}' is of type {kind}, not {wanted}")


def get_oauth_access_token(alias):
    """Exchanges the secret's refresh token for an access token at the integration's token endpoint."""
    _check(alias, "OAUTH2")
    answer = _ask({"type": "token", "alias": alias})
    if not answer.get("ok"):
        raise Exception(answer.get("error") or "OAuth token exchange failed")
    return answer["token"]


def get_secret_type(alias):
    _check(alias, _aliases.get(alias))
    return _aliases[alias]


def _unsupported(name):
    # Returning None would let a handler carry on with no credential; fail where the cause is plain.
    raise NotImplementedError(
        f"_snowflake.{name} is not supported by the sandbox (only OAUTH2 secrets): "
        "bind an OAUTH2 secret and call _snowflake.get_oauth_access_token"
    )


def get_generic_secret_string(alias):
    _unsupported("get_generic_secret_string")


def get_username_password(alias):
    _unsupported("get_username_password")
