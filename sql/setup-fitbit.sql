-- fitbit-snowflake-connect: Snowflake objects for the legacy fitbit provider (Fitbit Web API).
--
-- Google turned the legacy Fitbit Web API and its OAuth endpoints off on 2026-11-02: they answer
-- 410 Gone, and the functions below then fail with FITBIT_CONNECT_ERROR[provider_gone]. Use
-- sql/setup-google-health.sql for live data; this script is kept for the sandbox, for the record, and for
-- accounts whose data is keyed by the old 6-character Fitbit user ID.
--
-- What it creates, and why each piece:
--   network rule            lets Python functions reach the API host (egress, port 443)
--   security integration    holds the OAuth client; Snowflake uses it to trade the refresh token for access tokens
--   secret                  TYPE = OAUTH2, no token yet: fitbit-snowflake-connect writes the refresh token into it
--   external access integration   ties the rule and the secret together for functions
--   app role + service user the app signs in with these (key pair) and can do one thing: ALTER SECRET
--   reader role             for people who write their own functions: READ on the secret, USAGE on the integration
--   functions               the check function the app calls after each connect, and a month of daily steps
--
-- How to run it:
--   fitbit-snowflake-connect renders it filled in from its settings (.env or the environment):
--     npm run -s sql -- setup-fitbit app_public_key_file=~/.snowflake/fitbit_connect_rsa_key.pub | snow sql -i
--   or shows it on its /setup page.
--   With the Snowflake CLI 3.0.0 or later (the first release that reads the variable syntax used here):
--     snow sql -f sql/setup-fitbit.sql -D "client_id=…" -D "client_secret=…"
--     -D "app_public_key=…" and any other name below. client_id and client_secret have no default: without
--     them snow sql refuses to run ("'client_id' is undefined"). Every other name has its default written
--     where it is used.
--   The sections are marked with the role that runs them: ACCOUNTADMIN for what only an account
--   administrator may create (integrations, roles, users), the database owner (SYSADMIN by default)
--   for the rest. Run top to bottom as one script by a user who holds ACCOUNTADMIN, or hand each
--   section to the person who holds its role, in order.
--   The app's public key is set last, in section 5: if you have no key yet, everything else is still
--   created and only that last statement fails; rerun just it once you have the key.
--   Safe to re-run: every object is created only if missing; the integrations and the network rule then
--   get their settings with ALTER … SET, so an object the secret or the functions are bound to is changed in
--   place, never replaced, and the secret keeps the token the app wrote. Only the functions are replaced.
--
-- Variables (defaults): database FITBIT, schema PUBLIC, warehouse FITBIT_WH, owner_role SYSADMIN,
--   network_rule FITBIT_API_RULE, api_host api.fitbit.com, security_integration FITBIT_OAUTH_INTEGRATION,
--   client_id / client_secret (none: required), token_endpoint,
--   authorization_endpoint, secret_name FITBIT_OAUTH_TOKEN, external_access_integration FITBIT_EAI,
--   app_role FITBIT_CONNECT_APP_ROLE, reader_role FITBIT_READER, app_user FITBIT_CONNECT_APP,
--   app_public_key (a placeholder: pass the app's RSA public key, base64 without the BEGIN/END lines),
--   check_function FITBIT_CONNECTION_CHECK, steps_month_function FITBIT_STEPS_MONTH,
--   other_secrets (empty: the other accounts' secrets for the integration's allowed list; the app fills it in).
--
-- Several accounts: the statements between "-- [per-account] begin" and "-- [per-account] end" are one
-- account's (its secret, its functions); the app repeats them for each account it manages, with that
-- account's names, and `npm run -s sql -- add-account account=<label>` prints them for one new account
-- (sql/README.md, "Several accounts"). Run as is, this script sets up the default account alone.
--
-- Fitbit refresh tokens rotate on every refresh. Whether Snowflake stores the rotated token back into the
-- secret is undocumented: if the check function starts failing with token_revoked hours after a connect,
-- that is why; connect again, and move to google-health.

----------------------------------------------------------------------------------------------------------
-- 1. ACCOUNTADMIN: roles and the OAuth security integration (account-level objects need CREATE ROLE and
--    CREATE INTEGRATION, which only an account administrator holds by default).
----------------------------------------------------------------------------------------------------------
USE ROLE ACCOUNTADMIN;

-- The app's role owns the secret and may use the check and data functions: nothing else.
CREATE ROLE IF NOT EXISTS <% app_role | default("FITBIT_CONNECT_APP_ROLE") %>
  COMMENT = 'fitbit-snowflake-connect: owns the OAuth secret so the app can write its refresh token';
-- People who write their own functions against the connection.
CREATE ROLE IF NOT EXISTS <% reader_role | default("FITBIT_READER") %>
  COMMENT = 'fitbit-snowflake-connect: READ on the OAuth secret and USAGE on the external access integration';
-- Custom roles roll up to the database owner, as Snowflake recommends, so it can manage what they own.
GRANT ROLE <% app_role | default("FITBIT_CONNECT_APP_ROLE") %> TO ROLE <% owner_role | default("SYSADMIN") %>;
GRANT ROLE <% reader_role | default("FITBIT_READER") %> TO ROLE <% owner_role | default("SYSADMIN") %>;

-- Created only if missing, never replaced: the secret names this integration, and whether a secret stays
-- bound to an integration that CREATE OR REPLACE made anew is undocumented. Disabled until the ALTER below
-- has set it up, so a run that stops in between leaves no half-configured integration in use.
CREATE SECURITY INTEGRATION IF NOT EXISTS <% security_integration | default("FITBIT_OAUTH_INTEGRATION") %>
  TYPE = API_AUTHENTICATION
  AUTH_TYPE = OAUTH2
  OAUTH_CLIENT_ID = '<% client_id %>'
  OAUTH_CLIENT_SECRET = '<% client_secret %>'
  ENABLED = FALSE;

-- Every setting, new integration or old, so a re-run also applies a changed client or endpoint.
-- Fitbit "Server" apps must authenticate to the token endpoint with HTTP Basic: CLIENT_SECRET_BASIC.
-- No OAUTH_ALLOWED_SCOPES: Fitbit's refresh takes no scope, and the grant keeps the scopes of the consent.
-- OAUTH_REFRESH_TOKEN_VALIDITY is set, not left to the default, so the value is a decision and a re-run
-- restores it: 7776000 s (90 days) is Snowflake's default and the largest refresh-token validity its
-- documentation allows without a request to Snowflake Support (86400 to 7776000 s; no range is documented
-- for this integration type). Whether Snowflake applies it to a token the app writes with ALTER SECRET is
-- undocumented; Fitbit's own refresh tokens do not expire but rotate on every use. sql/README.md says more.
ALTER SECURITY INTEGRATION <% security_integration | default("FITBIT_OAUTH_INTEGRATION") %> SET
  OAUTH_CLIENT_ID = '<% client_id %>'
  OAUTH_CLIENT_SECRET = '<% client_secret %>'
  OAUTH_TOKEN_ENDPOINT = '<% token_endpoint | default("https://api.fitbit.com/oauth2/token") %>'
  OAUTH_AUTHORIZATION_ENDPOINT = '<% authorization_endpoint | default("https://www.fitbit.com/oauth2/authorize") %>'
  OAUTH_CLIENT_AUTH_METHOD = CLIENT_SECRET_BASIC
  OAUTH_GRANT = 'AUTHORIZATION_CODE'
  OAUTH_REFRESH_TOKEN_VALIDITY = 7776000
  ENABLED = TRUE
  COMMENT = 'fitbit-snowflake-connect: Fitbit OAuth client (legacy Fitbit Web API)';

-- The database owner creates the secret, which names this integration.
GRANT USAGE ON INTEGRATION <% security_integration | default("FITBIT_OAUTH_INTEGRATION") %> TO ROLE <% owner_role | default("SYSADMIN") %>;
-- The app's role may read the integration's settings (client ID, endpoints, scopes; never the client
-- secret) so its status page can check them. It holds no CREATE SECRET anywhere, so it cannot use it.
GRANT USAGE ON INTEGRATION <% security_integration | default("FITBIT_OAUTH_INTEGRATION") %> TO ROLE <% app_role | default("FITBIT_CONNECT_APP_ROLE") %>;

----------------------------------------------------------------------------------------------------------
-- 2. Database owner (SYSADMIN by default): database, schema, warehouse, network rule and the secret.
----------------------------------------------------------------------------------------------------------
USE ROLE <% owner_role | default("SYSADMIN") %>;

CREATE DATABASE IF NOT EXISTS <% database | default("FITBIT") %>;
CREATE SCHEMA IF NOT EXISTS <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>;
-- Only function calls need a warehouse; the smallest one, asleep until used.
CREATE WAREHOUSE IF NOT EXISTS <% warehouse | default("FITBIT_WH") %>
  WAREHOUSE_SIZE = XSMALL
  AUTO_SUSPEND = 60
  AUTO_RESUME = TRUE
  INITIALLY_SUSPENDED = TRUE;

-- MODE defaults to INGRESS, so say EGRESS; HOST_PORT without a port means 443. Created only if missing (the
-- external access integration names it), then its host set in place; MODE and TYPE cannot be altered, and
-- the app's status page says so if an older rule has others.
CREATE NETWORK RULE IF NOT EXISTS <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% network_rule | default("FITBIT_API_RULE") %>
  MODE = EGRESS
  TYPE = HOST_PORT
  VALUE_LIST = ('<% api_host | default("api.fitbit.com") %>');
ALTER NETWORK RULE <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% network_rule | default("FITBIT_API_RULE") %> SET
  VALUE_LIST = ('<% api_host | default("api.fitbit.com") %>')
  COMMENT = 'fitbit-snowflake-connect: the legacy Fitbit Web API';

-- [per-account] begin: one account's secret (`npm run sql -- add-account` renders it per account)
-- No token yet: fitbit-snowflake-connect writes it. IF NOT EXISTS so a re-run keeps a working token, and
-- no ALTER follows: there is nothing to change (ALTER SECRET cannot change the integration it names) and
-- the token is the app's.
CREATE SECRET IF NOT EXISTS <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% secret_name | default("FITBIT_OAUTH_TOKEN") %>
  TYPE = OAUTH2
  API_AUTHENTICATION = <% security_integration | default("FITBIT_OAUTH_INTEGRATION") %>
  COMMENT = 'fitbit-snowflake-connect: Fitbit refresh token, written by the app';

-- ALTER SECRET … SET OAUTH_REFRESH_TOKEN needs OWNERSHIP, so the app's role owns the secret.
GRANT OWNERSHIP ON SECRET <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% secret_name | default("FITBIT_OAUTH_TOKEN") %>
  TO ROLE <% app_role | default("FITBIT_CONNECT_APP_ROLE") %> COPY CURRENT GRANTS;
-- Readers may read it, to write their own functions against the connection.
GRANT READ ON SECRET <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% secret_name | default("FITBIT_OAUTH_TOKEN") %> TO ROLE <% reader_role | default("FITBIT_READER") %>;
-- [per-account] end

----------------------------------------------------------------------------------------------------------
-- 3. ACCOUNTADMIN: the external access integration and the app's service user.
----------------------------------------------------------------------------------------------------------
USE ROLE ACCOUNTADMIN;

-- Created only if missing (the functions name it), disabled until the ALTER below has set it up.
CREATE EXTERNAL ACCESS INTEGRATION IF NOT EXISTS <% external_access_integration | default("FITBIT_EAI") %>
  ALLOWED_NETWORK_RULES = (<% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% network_rule | default("FITBIT_API_RULE") %>)
  ENABLED = FALSE;
-- [all-accounts] begin: every account's secret is listed (SET replaces the list; other_secrets holds the
-- accounts other than the default, each after a comma: ", DB.SCHEMA.SECRET_ALICE, …")
ALTER EXTERNAL ACCESS INTEGRATION <% external_access_integration | default("FITBIT_EAI") %> SET
  ALLOWED_NETWORK_RULES = (<% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% network_rule | default("FITBIT_API_RULE") %>)
  ALLOWED_AUTHENTICATION_SECRETS = (<% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% secret_name | default("FITBIT_OAUTH_TOKEN") %><% other_secrets | default("") %>)
  ENABLED = TRUE
  COMMENT = 'fitbit-snowflake-connect: functions may call the Fitbit Web API with the OAuth secret';
-- [all-accounts] end

-- The database owner creates the functions that use it; readers write their own.
GRANT USAGE ON INTEGRATION <% external_access_integration | default("FITBIT_EAI") %> TO ROLE <% owner_role | default("SYSADMIN") %>;
GRANT USAGE ON INTEGRATION <% external_access_integration | default("FITBIT_EAI") %> TO ROLE <% reader_role | default("FITBIT_READER") %>;
-- Likewise for the external access integration (is it enabled, does it allow the secret); the app's role
-- cannot create functions, so it cannot use it.
GRANT USAGE ON INTEGRATION <% external_access_integration | default("FITBIT_EAI") %> TO ROLE <% app_role | default("FITBIT_CONNECT_APP_ROLE") %>;

-- TYPE = SERVICE: no password, key-pair sign-in only. Its public key is set in section 5, at the very end.
CREATE USER IF NOT EXISTS <% app_user | default("FITBIT_CONNECT_APP") %>
  TYPE = SERVICE
  DEFAULT_ROLE = <% app_role | default("FITBIT_CONNECT_APP_ROLE") %>
  DEFAULT_WAREHOUSE = <% warehouse | default("FITBIT_WH") %>
  DEFAULT_NAMESPACE = <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>
  COMMENT = 'fitbit-snowflake-connect: writes the refresh token into the OAuth secret';
GRANT ROLE <% app_role | default("FITBIT_CONNECT_APP_ROLE") %> TO USER <% app_user | default("FITBIT_CONNECT_APP") %>;

----------------------------------------------------------------------------------------------------------
-- 4. Database owner (SYSADMIN by default): the check and data functions, and the remaining grants.
--    Functions belong to the database owner; calling them needs only USAGE.
--    CREATE OR REPLACE here on purpose: no object is bound to a function (the app and readers call it by
--    name, and the grants that a replace drops are given again below), so a re-run ships the new code.
--    Scopes: each function says which scope its calls need; the app's scope set is their union, and
--    server/providers/fitbit.ts declares the same (a test keeps them equal).
----------------------------------------------------------------------------------------------------------
USE ROLE <% owner_role | default("SYSADMIN") %>;

-- The app's role and readers may use the database, schema and warehouse; each account's functions are
-- granted with them below. Readers also hold READ on each account's secret and USAGE on the external
-- access integration, so they can write their own functions (given CREATE FUNCTION on a schema).
GRANT USAGE ON DATABASE <% database | default("FITBIT") %> TO ROLE <% app_role | default("FITBIT_CONNECT_APP_ROLE") %>;
GRANT USAGE ON SCHEMA <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %> TO ROLE <% app_role | default("FITBIT_CONNECT_APP_ROLE") %>;
GRANT USAGE ON WAREHOUSE <% warehouse | default("FITBIT_WH") %> TO ROLE <% app_role | default("FITBIT_CONNECT_APP_ROLE") %>;
GRANT USAGE ON DATABASE <% database | default("FITBIT") %> TO ROLE <% reader_role | default("FITBIT_READER") %>;
GRANT USAGE ON SCHEMA <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %> TO ROLE <% reader_role | default("FITBIT_READER") %>;
GRANT USAGE ON WAREHOUSE <% warehouse | default("FITBIT_WH") %> TO ROLE <% reader_role | default("FITBIT_READER") %>;

-- [per-account] begin: one account's functions: each lists only that account's secret in SECRETS
-- The app calls this after every connect: the cheapest call that proves the token works.
-- Returns {encodedId, displayName}; errors start with FITBIT_CONNECT_ERROR[code].
-- Scopes: GET /1/user/-/profile.json needs profile.
CREATE OR REPLACE FUNCTION <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% check_function | default("FITBIT_CONNECTION_CHECK") %>()
  RETURNS VARIANT
  LANGUAGE PYTHON
  RUNTIME_VERSION = '3.11'
  PACKAGES = ('requests')
  HANDLER = 'check'
  EXTERNAL_ACCESS_INTEGRATIONS = (<% external_access_integration | default("FITBIT_EAI") %>)
  SECRETS = ('cred' = <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% secret_name | default("FITBIT_OAUTH_TOKEN") %>)
  COMMENT = 'fitbit-snowflake-connect: Fitbit profile of the connected account'
AS $$
import datetime
import re
import time

import _snowflake
import requests

# --- fitbit-snowflake-connect errors: identical in every handler (test/unit/sql-templates.test.ts checks) ---
PREFIX = 'FITBIT_CONNECT_ERROR'
REAUTHORIZE = 're-authorize in fitbit-snowflake-connect'


class FitbitConnectError(Exception):
    pass


def fail(code, text):
    # The stable prefix lets the app match the cause in Snowflake's error text.
    raise FitbitConnectError(PREFIX + '[' + code + ']: ' + text) from None  # the message already says why


def short(text, limit=300):
    text = ' '.join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + '...'


def gone(url):
    # Snowflake's wording for a failed refresh is undocumented: ask the API host itself whether it is gone.
    if not url:
        return False
    try:
        return requests.get(url, timeout=10).status_code == 410
    except requests.RequestException:
        return False


def access_token(secret, probe=None):
    # Snowflake trades the secret's refresh token for an access token through the security integration.
    try:
        token = _snowflake.get_oauth_access_token('cred')
    except Exception as exc:
        why = short(exc)
        if re.search(r'\b410\b|\bgone\b', why, re.I) or gone(probe):
            fail('provider_gone', 'the token endpoint answered 410 Gone (' + why + '): the legacy Fitbit API '
                 'and its OAuth endpoints were turned off; switch to the google-health provider')
        if re.search(r'\b429\b', why):
            fail('rate_limited', 'the token endpoint rate-limited the request (' + why + '): retry later')
        if 'invalid_client' in why or 'unauthorized_client' in why:
            fail('api_error', 'the provider refused the client ID or secret in the security integration '
                 'behind secret ' + secret + ' (' + why + '): fix OAUTH_CLIENT_ID / OAUTH_CLIENT_SECRET')
        fail('token_revoked', 'the refresh token in secret ' + secret + ' was revoked or expired, or none was '
             'written yet (' + why + '): ' + REAUTHORIZE)
    if not token:
        fail('token_revoked', 'secret ' + secret + ' gave no access token: ' + REAUTHORIZE)
    return token


def call(token, secret, scope, method, url, body=None):
    # Retries only what Google and Fitbit document as transient (5xx), with a short backoff.
    resp = None
    for attempt in range(3):
        try:
            resp = requests.request(method, url, json=body, timeout=30,
                                    headers={'Authorization': 'Bearer ' + token, 'Accept': 'application/json'})
        except requests.RequestException as exc:
            if attempt == 2:
                fail('api_error', 'could not reach ' + url + ': ' + short(exc))
            time.sleep(0.5 * 2 ** attempt)
            continue
        if resp.status_code in (500, 502, 503, 504) and attempt < 2:
            time.sleep(0.5 * 2 ** attempt)
            continue
        break
    if resp.status_code < 300:
        try:
            return resp.json()
        except ValueError:
            fail('api_error', url + ' answered HTTP ' + str(resp.status_code) + ' with a body that is not JSON')
    raise_for(resp, secret, scope, url)


def raise_for(resp, secret, scope, url):
    status = resp.status_code
    kind, message, reasons = '', '', []
    try:
        data = resp.json()
    except ValueError:
        data = None
    if isinstance(data, dict):
        err = data.get('error')
        if isinstance(err, dict):
            # Google: {"error": {"code", "message", "status", "details": [{"reason"}]}}
            kind = str(err.get('status') or '')
            message = str(err.get('message') or '')
            reasons = [str(d['reason']) for d in err.get('details') or [] if isinstance(d, dict) and d.get('reason')]
        elif isinstance(err, str):
            # OAuth 2.0: {"error", "error_description"}
            kind, message = err, str(data.get('error_description') or '')
        errors = data.get('errors')
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            # Fitbit: {"errors": [{"errorType", "message"}]}
            kind, message = str(errors[0].get('errorType') or ''), str(errors[0].get('message') or '')
    said = 'HTTP ' + str(status) + (' ' + kind if kind else '') + (' ' + ','.join(reasons) if reasons else '')
    said += (': ' + short(message)) if message else ''
    where = url.split('?')[0]
    if status == 410:
        fail('provider_gone', where + ' answered ' + said + ': the legacy Fitbit Web API was turned off on '
             '2026-11-02; switch to the google-health provider (sql/setup-google-health.sql) and connect again')
    if status == 429:
        wait = resp.headers.get('Retry-After') or resp.headers.get('fitbit-rate-limit-reset')
        fail('rate_limited', 'the provider rate-limited this account (' + said + '): retry later'
             + (' (in about ' + wait + ' s)' if wait else ''))
    if 'ACCOUNT_NOT_LINKED' in reasons or kind == 'FAILED_PRECONDITION':
        fail('account_not_linked', 'the Google account that authorized secret ' + secret + ' has no Fitbit / '
             'Google Health profile (' + said + '): open the Fitbit app with that Google account once, or connect '
             'the Google account that has the data; then ' + REAUTHORIZE)
    if status == 401:
        fail('token_revoked', 'the provider refused the access token obtained with the refresh token in secret '
             + secret + ' (' + said + '): the grant was revoked or expired; ' + REAUTHORIZE)
    challenge = resp.headers.get('WWW-Authenticate') or ''
    if status == 403 and ('ACCESS_TOKEN_SCOPE_INSUFFICIENT' in reasons or kind == 'insufficient_scope'
                          or 'insufficient_scope' in challenge):
        # Google's challenge names the scope it wanted: prefer it to our own guess.
        named = re.search(r'scope="([^"]+)"', challenge)
        scope = named.group(1) if named else scope
        fail('scope_missing', 'the grant in secret ' + secret + ' lacks the scope this call needs: ' + scope
             + ' (' + said + '); ' + REAUTHORIZE + ' and leave that scope ticked on the consent screen')
    fail('api_error', where + ' answered ' + said)
# --- end of the shared block ---

SECRET = '<% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% secret_name | default("FITBIT_OAUTH_TOKEN") %>'
API = 'https://<% api_host | default("api.fitbit.com") %>'
SCOPE = 'profile'


def check():
    token = access_token(SECRET, API + '/1/user/-/profile.json')
    user = call(token, SECRET, SCOPE, 'GET', API + '/1/user/-/profile.json').get('user') or {}
    return {'encodedId': user.get('encodedId'), 'displayName': user.get('displayName')}
$$;

-- The seed's one-month steps JSON: the activities-steps array of the last month, values as numbers:
--   SELECT FITBIT.PUBLIC.FITBIT_STEPS_MONTH();  →  [{"dateTime": "2026-10-01", "value": 8123}, …]
-- Scopes: GET /1/user/-/activities/steps/date/today/1m.json needs activity (the profile.json URL below is
-- only probed, without a token, when the refresh fails, to tell whether the API is gone).
CREATE OR REPLACE FUNCTION <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% steps_month_function | default("FITBIT_STEPS_MONTH") %>()
  RETURNS VARIANT
  LANGUAGE PYTHON
  RUNTIME_VERSION = '3.11'
  PACKAGES = ('requests')
  HANDLER = 'steps_month'
  EXTERNAL_ACCESS_INTEGRATIONS = (<% external_access_integration | default("FITBIT_EAI") %>)
  SECRETS = ('cred' = <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% secret_name | default("FITBIT_OAUTH_TOKEN") %>)
  COMMENT = 'fitbit-snowflake-connect: daily steps of the last month from the legacy Fitbit Web API'
AS $$
import datetime
import re
import time

import _snowflake
import requests

# --- fitbit-snowflake-connect errors: identical in every handler (test/unit/sql-templates.test.ts checks) ---
PREFIX = 'FITBIT_CONNECT_ERROR'
REAUTHORIZE = 're-authorize in fitbit-snowflake-connect'


class FitbitConnectError(Exception):
    pass


def fail(code, text):
    # The stable prefix lets the app match the cause in Snowflake's error text.
    raise FitbitConnectError(PREFIX + '[' + code + ']: ' + text) from None  # the message already says why


def short(text, limit=300):
    text = ' '.join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + '...'


def gone(url):
    # Snowflake's wording for a failed refresh is undocumented: ask the API host itself whether it is gone.
    if not url:
        return False
    try:
        return requests.get(url, timeout=10).status_code == 410
    except requests.RequestException:
        return False


def access_token(secret, probe=None):
    # Snowflake trades the secret's refresh token for an access token through the security integration.
    try:
        token = _snowflake.get_oauth_access_token('cred')
    except Exception as exc:
        why = short(exc)
        if re.search(r'\b410\b|\bgone\b', why, re.I) or gone(probe):
            fail('provider_gone', 'the token endpoint answered 410 Gone (' + why + '): the legacy Fitbit API '
                 'and its OAuth endpoints were turned off; switch to the google-health provider')
        if re.search(r'\b429\b', why):
            fail('rate_limited', 'the token endpoint rate-limited the request (' + why + '): retry later')
        if 'invalid_client' in why or 'unauthorized_client' in why:
            fail('api_error', 'the provider refused the client ID or secret in the security integration '
                 'behind secret ' + secret + ' (' + why + '): fix OAUTH_CLIENT_ID / OAUTH_CLIENT_SECRET')
        fail('token_revoked', 'the refresh token in secret ' + secret + ' was revoked or expired, or none was '
             'written yet (' + why + '): ' + REAUTHORIZE)
    if not token:
        fail('token_revoked', 'secret ' + secret + ' gave no access token: ' + REAUTHORIZE)
    return token


def call(token, secret, scope, method, url, body=None):
    # Retries only what Google and Fitbit document as transient (5xx), with a short backoff.
    resp = None
    for attempt in range(3):
        try:
            resp = requests.request(method, url, json=body, timeout=30,
                                    headers={'Authorization': 'Bearer ' + token, 'Accept': 'application/json'})
        except requests.RequestException as exc:
            if attempt == 2:
                fail('api_error', 'could not reach ' + url + ': ' + short(exc))
            time.sleep(0.5 * 2 ** attempt)
            continue
        if resp.status_code in (500, 502, 503, 504) and attempt < 2:
            time.sleep(0.5 * 2 ** attempt)
            continue
        break
    if resp.status_code < 300:
        try:
            return resp.json()
        except ValueError:
            fail('api_error', url + ' answered HTTP ' + str(resp.status_code) + ' with a body that is not JSON')
    raise_for(resp, secret, scope, url)


def raise_for(resp, secret, scope, url):
    status = resp.status_code
    kind, message, reasons = '', '', []
    try:
        data = resp.json()
    except ValueError:
        data = None
    if isinstance(data, dict):
        err = data.get('error')
        if isinstance(err, dict):
            # Google: {"error": {"code", "message", "status", "details": [{"reason"}]}}
            kind = str(err.get('status') or '')
            message = str(err.get('message') or '')
            reasons = [str(d['reason']) for d in err.get('details') or [] if isinstance(d, dict) and d.get('reason')]
        elif isinstance(err, str):
            # OAuth 2.0: {"error", "error_description"}
            kind, message = err, str(data.get('error_description') or '')
        errors = data.get('errors')
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            # Fitbit: {"errors": [{"errorType", "message"}]}
            kind, message = str(errors[0].get('errorType') or ''), str(errors[0].get('message') or '')
    said = 'HTTP ' + str(status) + (' ' + kind if kind else '') + (' ' + ','.join(reasons) if reasons else '')
    said += (': ' + short(message)) if message else ''
    where = url.split('?')[0]
    if status == 410:
        fail('provider_gone', where + ' answered ' + said + ': the legacy Fitbit Web API was turned off on '
             '2026-11-02; switch to the google-health provider (sql/setup-google-health.sql) and connect again')
    if status == 429:
        wait = resp.headers.get('Retry-After') or resp.headers.get('fitbit-rate-limit-reset')
        fail('rate_limited', 'the provider rate-limited this account (' + said + '): retry later'
             + (' (in about ' + wait + ' s)' if wait else ''))
    if 'ACCOUNT_NOT_LINKED' in reasons or kind == 'FAILED_PRECONDITION':
        fail('account_not_linked', 'the Google account that authorized secret ' + secret + ' has no Fitbit / '
             'Google Health profile (' + said + '): open the Fitbit app with that Google account once, or connect '
             'the Google account that has the data; then ' + REAUTHORIZE)
    if status == 401:
        fail('token_revoked', 'the provider refused the access token obtained with the refresh token in secret '
             + secret + ' (' + said + '): the grant was revoked or expired; ' + REAUTHORIZE)
    challenge = resp.headers.get('WWW-Authenticate') or ''
    if status == 403 and ('ACCESS_TOKEN_SCOPE_INSUFFICIENT' in reasons or kind == 'insufficient_scope'
                          or 'insufficient_scope' in challenge):
        # Google's challenge names the scope it wanted: prefer it to our own guess.
        named = re.search(r'scope="([^"]+)"', challenge)
        scope = named.group(1) if named else scope
        fail('scope_missing', 'the grant in secret ' + secret + ' lacks the scope this call needs: ' + scope
             + ' (' + said + '); ' + REAUTHORIZE + ' and leave that scope ticked on the consent screen')
    fail('api_error', where + ' answered ' + said)
# --- end of the shared block ---

SECRET = '<% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% secret_name | default("FITBIT_OAUTH_TOKEN") %>'
API = 'https://<% api_host | default("api.fitbit.com") %>'
SCOPE = 'activity'


def number(value):
    # The API sends values as strings ("8123").
    text = str(value if value is not None else '0')
    try:
        return int(text)
    except ValueError:
        return float(text)


def steps_month():
    token = access_token(SECRET, API + '/1/user/-/profile.json')
    data = call(token, SECRET, SCOPE, 'GET', API + '/1/user/-/activities/steps/date/today/1m.json')
    return [{'dateTime': d.get('dateTime'), 'value': number(d.get('value'))}
            for d in data.get('activities-steps') or [] if isinstance(d, dict)]
$$;

-- The app's role calls this account's check and data functions; readers may call them too.
GRANT USAGE ON FUNCTION <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% check_function | default("FITBIT_CONNECTION_CHECK") %>() TO ROLE <% app_role | default("FITBIT_CONNECT_APP_ROLE") %>;
GRANT USAGE ON FUNCTION <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% steps_month_function | default("FITBIT_STEPS_MONTH") %>() TO ROLE <% app_role | default("FITBIT_CONNECT_APP_ROLE") %>;
GRANT USAGE ON FUNCTION <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% check_function | default("FITBIT_CONNECTION_CHECK") %>() TO ROLE <% reader_role | default("FITBIT_READER") %>;
GRANT USAGE ON FUNCTION <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% steps_month_function | default("FITBIT_STEPS_MONTH") %>() TO ROLE <% reader_role | default("FITBIT_READER") %>;
-- [per-account] end

----------------------------------------------------------------------------------------------------------
-- 5. ACCOUNTADMIN: the app's RSA public key, last on purpose.
--    Everything above is created first, so if the key below is still the placeholder only this statement
--    fails (Snowflake: "Invalid RSA public key"); snow sql stops at the first error, and nothing follows.
--    Once you have the key (docs/going-live.md, step 2: ~/.snowflake/fitbit_connect_rsa_key.pub, never the
--    .p8 private key), rerun just these two statements with its base64 body (the lines between BEGIN and END):
--      snow sql -q "USE ROLE ACCOUNTADMIN; ALTER USER FITBIT_CONNECT_APP SET RSA_PUBLIC_KEY = '<base64 body>'"
--    or rerun the whole script (safe: see "Safe to re-run" above) with the key: app_public_key_file=… for
--    npm run -s sql -- setup-fitbit, or -D "app_public_key=…" for snow sql -f.
--    Setting it again replaces the key; ALTER USER … SET RSA_PUBLIC_KEY_2 lets you rotate without downtime.
----------------------------------------------------------------------------------------------------------
USE ROLE ACCOUNTADMIN;

ALTER USER <% app_user | default("FITBIT_CONNECT_APP") %> SET
  RSA_PUBLIC_KEY = '<% app_public_key | default("PASTE_THE_APP_RSA_PUBLIC_KEY_HERE") %>';
