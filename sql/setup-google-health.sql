-- fitbit-snowflake-connect: Snowflake objects for the google-health provider (Google Health API).
--
-- What it creates, and why each piece:
--   network rule            lets Python functions reach the API host (egress, port 443)
--   security integration    holds the OAuth client; Snowflake uses it to trade the refresh token for access tokens
--   secret                  TYPE = OAUTH2, no token yet: fitbit-snowflake-connect writes the refresh token into it
--   external access integration   ties the rule and the secret together for functions
--   app role + service user the app signs in with these (key pair) and can do one thing: ALTER SECRET
--   reader role             for people who write their own functions: READ on the secret, USAGE on the integration
--   functions               the check function the app calls after each connect, daily steps as a table, and
--                           daily data of each kind (steps, distance, calories, zone minutes, resting heart
--                           rate, sleep) as a table for the daily load
--
-- How to run it:
--   fitbit-snowflake-connect renders it filled in from its settings (.env or the environment):
--     npm run -s sql -- setup-google-health app_public_key_file=~/.snowflake/fitbit_connect_rsa_key.pub | snow sql -i
--   or shows it on its /setup page.
--   With the Snowflake CLI 3.0.0 or later (the first release that reads the variable syntax used here):
--     snow sql -f sql/setup-google-health.sql -D "client_id=…" -D "client_secret=…"
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
--   network_rule FITBIT_API_RULE, api_host health.googleapis.com, security_integration
--   FITBIT_OAUTH_INTEGRATION, client_id / client_secret (none: required),
--   token_endpoint, authorization_endpoint, allowed_scopes (the scopes the functions below need, the same
--   set the app requests: see "Scopes" at each function), secret_name FITBIT_OAUTH_TOKEN,
--   external_access_integration FITBIT_EAI, app_role FITBIT_CONNECT_APP_ROLE, reader_role FITBIT_READER,
--   app_user FITBIT_CONNECT_APP, app_public_key (a placeholder: pass the app's RSA public key, base64
--   without the BEGIN/END lines), check_function FITBIT_CONNECTION_CHECK, steps_function FITBIT_DAILY_STEPS,
--   data_function FITBIT_DAILY_DATA,
--   other_secrets (empty: the other accounts' secrets for the integration's allowed list; the app fills it in).
--
-- Several accounts: the statements between "-- [per-account] begin" and "-- [per-account] end" are one
-- account's (its secret, its functions); the app repeats them for each account it manages, with that
-- account's names, and `npm run -s sql -- add-account account=<label>` prints them for one new account
-- (sql/README.md, "Several accounts"). Run as is, this script sets up the default account alone.

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

-- Every setting, new integration or old, so a re-run also applies a changed client, endpoint or scope.
-- Google accepts the client secret in the form body or as HTTP Basic; CLIENT_SECRET_POST is the form its
-- own web-server OAuth guide documents, so it is the one least likely to surprise.
-- OAUTH_ALLOWED_SCOPES is exactly the scope set the app requests and requires at consent (a scope allowed
-- here but never granted makes a refresh that asks for it fail at Google).
-- OAUTH_REFRESH_TOKEN_VALIDITY is set, not left to the default, so the value is a decision and a re-run
-- restores it: 7776000 s (90 days) is Snowflake's default and the largest refresh-token validity its
-- documentation allows without a request to Snowflake Support (86400 to 7776000 s; no range is documented
-- for this integration type). Whether Snowflake applies it to a token the app writes with ALTER SECRET is
-- undocumented: if it does, the connection must be re-authorized every 90 days although a Google refresh
-- token itself dies only when revoked, unused for six months, or (a client in Testing) after 7 days. The
-- app's status page shows the expiry Snowflake reports (DESCRIBE SECRET); sql/README.md says more.
ALTER SECURITY INTEGRATION <% security_integration | default("FITBIT_OAUTH_INTEGRATION") %> SET
  OAUTH_CLIENT_ID = '<% client_id %>'
  OAUTH_CLIENT_SECRET = '<% client_secret %>'
  OAUTH_TOKEN_ENDPOINT = '<% token_endpoint | default("https://oauth2.googleapis.com/token") %>'
  OAUTH_AUTHORIZATION_ENDPOINT = '<% authorization_endpoint | default("https://accounts.google.com/o/oauth2/v2/auth") %>'
  OAUTH_CLIENT_AUTH_METHOD = CLIENT_SECRET_POST
  OAUTH_GRANT = 'AUTHORIZATION_CODE'
  OAUTH_ALLOWED_SCOPES = (<% allowed_scopes | default("'https://www.googleapis.com/auth/googlehealth.activity_and_fitness.readonly', 'https://www.googleapis.com/auth/googlehealth.health_metrics_and_measurements.readonly', 'https://www.googleapis.com/auth/googlehealth.sleep.readonly'") %>)
  OAUTH_REFRESH_TOKEN_VALIDITY = 7776000
  ENABLED = TRUE
  COMMENT = 'fitbit-snowflake-connect: Google OAuth client for the Google Health API';

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
  VALUE_LIST = ('<% api_host | default("health.googleapis.com") %>');
ALTER NETWORK RULE <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% network_rule | default("FITBIT_API_RULE") %> SET
  VALUE_LIST = ('<% api_host | default("health.googleapis.com") %>')
  COMMENT = 'fitbit-snowflake-connect: the Google Health API';

-- [per-account] begin: one account's secret (`npm run sql -- add-account` renders it per account)
-- No token yet: fitbit-snowflake-connect writes it. IF NOT EXISTS so a re-run keeps a working token, and
-- no ALTER follows: there is nothing to change (ALTER SECRET cannot change the integration it names) and
-- the token is the app's.
CREATE SECRET IF NOT EXISTS <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% secret_name | default("FITBIT_OAUTH_TOKEN") %>
  TYPE = OAUTH2
  API_AUTHENTICATION = <% security_integration | default("FITBIT_OAUTH_INTEGRATION") %>
  COMMENT = 'fitbit-snowflake-connect: Google refresh token, written by the app';

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
  COMMENT = 'fitbit-snowflake-connect: functions may call the Google Health API with the OAuth secret';
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
--    Scopes: each function says which scope its calls need; the app's scope set (and allowed_scopes above)
--    is their union, and server/providers/google-health.ts declares the same (a test keeps them equal).
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
-- Returns {healthUserId, legacyUserId}; errors start with FITBIT_CONNECT_ERROR[code].
-- Scopes: GET /v4/users/me/identity takes any Google Health read scope except location and nutrition; the
-- set grants it through https://www.googleapis.com/auth/googlehealth.activity_and_fitness.readonly.
CREATE OR REPLACE FUNCTION <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% check_function | default("FITBIT_CONNECTION_CHECK") %>()
  RETURNS VARIANT
  LANGUAGE PYTHON
  RUNTIME_VERSION = '3.11'
  PACKAGES = ('requests')
  HANDLER = 'check'
  EXTERNAL_ACCESS_INTEGRATIONS = (<% external_access_integration | default("FITBIT_EAI") %>)
  SECRETS = ('cred' = <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% secret_name | default("FITBIT_OAUTH_TOKEN") %>)
  COMMENT = 'fitbit-snowflake-connect: Google Health identity of the connected account'
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
API = 'https://<% api_host | default("health.googleapis.com") %>'
# users/me/identity works with any Google Health read scope except location and nutrition: name the one the
# app's scope set grants it by.
SCOPE = 'https://www.googleapis.com/auth/googlehealth.activity_and_fitness.readonly'


def check():
    token = access_token(SECRET)
    data = call(token, SECRET, SCOPE, 'GET', API + '/v4/users/me/identity')
    return {'healthUserId': data.get('healthUserId'), 'legacyUserId': data.get('legacyUserId')}
$$;

-- Daily steps for an inclusive date range, one row per day the API reports:
--   SELECT * FROM TABLE(FITBIT.PUBLIC.FITBIT_DAILY_STEPS('2026-01-01'::DATE, '2026-03-31'::DATE));
-- dailyRollUp takes a closed-open range of at most 90 days, so longer ranges are asked for in
-- 90-day windows, each followed through nextPageToken.
-- Scopes: POST /v4/users/me/dataTypes/steps/dataPoints:dailyRollUp needs
-- https://www.googleapis.com/auth/googlehealth.activity_and_fitness.readonly (steps are activity data).
CREATE OR REPLACE FUNCTION <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% steps_function | default("FITBIT_DAILY_STEPS") %>(start_date DATE, end_date DATE)
  RETURNS TABLE (day DATE, steps NUMBER)
  LANGUAGE PYTHON
  RUNTIME_VERSION = '3.11'
  PACKAGES = ('requests')
  HANDLER = 'DailySteps'
  EXTERNAL_ACCESS_INTEGRATIONS = (<% external_access_integration | default("FITBIT_EAI") %>)
  SECRETS = ('cred' = <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% secret_name | default("FITBIT_OAUTH_TOKEN") %>)
  COMMENT = 'fitbit-snowflake-connect: daily steps from the Google Health API for an inclusive date range'
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
URL = 'https://<% api_host | default("health.googleapis.com") %>/v4/users/me/dataTypes/steps/dataPoints:dailyRollUp'
SCOPE = 'https://www.googleapis.com/auth/googlehealth.activity_and_fitness.readonly'
MAX_DAYS = 90  # dailyRollUp's longest range for steps


def as_date(value):
    # Snowflake passes DATE as datetime.date; accept 'YYYY-MM-DD' text too.
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value)[:10])


def civil(day):
    # CivilDateTime date: plain numbers, no zero padding.
    return {'year': day.year, 'month': day.month, 'day': day.day}


def to_int(value):
    # int64 values arrive as strings.
    return int(float(value)) if value not in (None, '') else 0


class DailySteps:
    def process(self, start_date, end_date):
        start, end = as_date(start_date), as_date(end_date)
        if start is None or end is None:
            return
        if end < start:
            fail('invalid_argument', 'end_date ' + end.isoformat() + ' is before start_date ' + start.isoformat())
        token = access_token(SECRET)
        stop = end + datetime.timedelta(days=1)  # the caller's end is inclusive, the API's is not
        window = start
        while window < stop:
            window_end = min(window + datetime.timedelta(days=MAX_DAYS), stop)
            page = None
            while True:
                body = {'range': {'start': {'date': civil(window)}, 'end': {'date': civil(window_end)}},
                        'windowSizeDays': 1}
                if page:
                    body['pageToken'] = page
                data = call(token, SECRET, SCOPE, 'POST', URL, body)
                for point in data.get('rollupDataPoints') or []:
                    day = (point.get('civilStartTime') or {}).get('date') or {}
                    steps = (point.get('steps') or {}).get('countSum')
                    yield (datetime.date(int(day['year']), int(day['month']), int(day['day'])), to_int(steps))
                page = data.get('nextPageToken')
                if not page:
                    break
            window = window_end
$$;

-- Daily data of one kind for an inclusive date range: one row per day that has data (a day the device was
-- not worn has none), in one wide shape for every kind, the other kinds' columns NULL, so a MERGE reads
-- typed columns:
--   SELECT * FROM TABLE(FITBIT.PUBLIC.FITBIT_DAILY_DATA('sleep', '2026-01-01'::DATE, '2026-03-31'::DATE));
-- ACCOUNT is the Google Health user id (one identity call per call), DAY the civil date in the user's time
-- zone. Kinds, their columns and units (sql/README.md has the table):
--   steps               STEPS (count), from dailyRollUp of steps
--   distance            DISTANCE_M (meters; the API sums millimeters), from dailyRollUp of distance
--   calories            CALORIES_KCAL (kcal, basal and active), from dailyRollUp of total-calories
--   active_minutes      ACTIVE_ZONE_MINUTES (the three zones added up) and ACTIVE_ZONE_MINUTES_FAT_BURN,
--                       _CARDIO, _PEAK, from dailyRollUp of active-zone-minutes
--   resting_heart_rate  RESTING_HEART_RATE (bpm), from the list of daily-resting-heart-rate
--   sleep               SLEEP_MINUTES (asleep), SLEEP_IN_BED_MINUTES, SLEEP_EFFICIENCY (asleep / in bed, %),
--                       SLEEP_DEEP_MINUTES, _LIGHT_, _REM_, _AWAKE_, from the list of sleep sessions, added
--                       up per civil date each session ends on (a nap counts for its day)
-- Ranges are asked for in windows the API accepts (14 days for total-calories, 90 for the rest), each
-- followed through nextPageToken (sleep answers 25 sessions a page): a year of one kind is 5 to 27 calls
-- plus the identity call, far below the 300 a minute Google allows each user.
-- Errors: FITBIT_CONNECT_ERROR[bad_request] for an unknown kind or end_date before start_date, and the
-- codes every function raises (token_revoked, scope_missing, account_not_linked, rate_limited, api_error).
-- Scopes: each kind's call needs its own; the app's scope set (and allowed_scopes above) holds those of the
-- kinds in PIPELINE_DATA_TYPES, and GET /v4/users/me/identity takes any of them:
--   steps: POST /v4/users/me/dataTypes/steps/dataPoints:dailyRollUp needs
--     https://www.googleapis.com/auth/googlehealth.activity_and_fitness.readonly
--   distance: POST /v4/users/me/dataTypes/distance/dataPoints:dailyRollUp needs
--     https://www.googleapis.com/auth/googlehealth.activity_and_fitness.readonly
--   calories: POST /v4/users/me/dataTypes/total-calories/dataPoints:dailyRollUp needs
--     https://www.googleapis.com/auth/googlehealth.activity_and_fitness.readonly
--   active_minutes: POST /v4/users/me/dataTypes/active-zone-minutes/dataPoints:dailyRollUp needs
--     https://www.googleapis.com/auth/googlehealth.activity_and_fitness.readonly
--   resting_heart_rate: GET /v4/users/me/dataTypes/daily-resting-heart-rate/dataPoints needs
--     https://www.googleapis.com/auth/googlehealth.health_metrics_and_measurements.readonly
--   sleep: GET /v4/users/me/dataTypes/sleep/dataPoints needs
--     https://www.googleapis.com/auth/googlehealth.sleep.readonly
CREATE OR REPLACE FUNCTION <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% data_function | default("FITBIT_DAILY_DATA") %>(kind VARCHAR, start_date DATE, end_date DATE)
  RETURNS TABLE (account VARCHAR, day DATE, steps NUMBER, distance_m FLOAT, calories_kcal FLOAT,
                 active_zone_minutes NUMBER, active_zone_minutes_fat_burn NUMBER, active_zone_minutes_cardio NUMBER,
                 active_zone_minutes_peak NUMBER, resting_heart_rate NUMBER, sleep_minutes NUMBER,
                 sleep_in_bed_minutes NUMBER, sleep_efficiency NUMBER, sleep_deep_minutes NUMBER,
                 sleep_light_minutes NUMBER, sleep_rem_minutes NUMBER, sleep_awake_minutes NUMBER)
  LANGUAGE PYTHON
  RUNTIME_VERSION = '3.11'
  PACKAGES = ('requests')
  HANDLER = 'DailyData'
  EXTERNAL_ACCESS_INTEGRATIONS = (<% external_access_integration | default("FITBIT_EAI") %>)
  SECRETS = ('cred' = <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% secret_name | default("FITBIT_OAUTH_TOKEN") %>)
  COMMENT = 'fitbit-snowflake-connect: daily Google Health data of one kind for an inclusive date range'
AS $$
import datetime
import re
import time
import urllib.parse

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
API = 'https://<% api_host | default("health.googleapis.com") %>'
ACTIVITY = 'https://www.googleapis.com/auth/googlehealth.activity_and_fitness.readonly'
HEALTH_METRICS = 'https://www.googleapis.com/auth/googlehealth.health_metrics_and_measurements.readonly'
SLEEP = 'https://www.googleapis.com/auth/googlehealth.sleep.readonly'
# kind: (Google data type, how it is read, its scope, days per request). dailyRollUp takes at most 14 days
# for total-calories and 90 for the others; list documents no limit, and 90-day windows keep each call small.
KINDS = {
    'steps': ('steps', 'rollup', ACTIVITY, 90),
    'distance': ('distance', 'rollup', ACTIVITY, 90),
    'calories': ('total-calories', 'rollup', ACTIVITY, 14),
    'active_minutes': ('active-zone-minutes', 'rollup', ACTIVITY, 90),
    'resting_heart_rate': ('daily-resting-heart-rate', 'list', HEALTH_METRICS, 90),
    'sleep': ('sleep', 'list', SLEEP, 90),
}
# The columns after ACCOUNT and DAY, in the order RETURNS TABLE declares them.
COLUMNS = ('STEPS', 'DISTANCE_M', 'CALORIES_KCAL', 'ACTIVE_ZONE_MINUTES', 'ACTIVE_ZONE_MINUTES_FAT_BURN',
           'ACTIVE_ZONE_MINUTES_CARDIO', 'ACTIVE_ZONE_MINUTES_PEAK', 'RESTING_HEART_RATE', 'SLEEP_MINUTES',
           'SLEEP_IN_BED_MINUTES', 'SLEEP_EFFICIENCY', 'SLEEP_DEEP_MINUTES', 'SLEEP_LIGHT_MINUTES',
           'SLEEP_REM_MINUTES', 'SLEEP_AWAKE_MINUTES')
SLEEP_PAGE_SIZE = 25  # the most list answers for sleep
STAGE_COLUMNS = {'DEEP': 'SLEEP_DEEP_MINUTES', 'LIGHT': 'SLEEP_LIGHT_MINUTES', 'REM': 'SLEEP_REM_MINUTES'}


def as_date(value):
    # Snowflake passes DATE as datetime.date; accept 'YYYY-MM-DD' text too.
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value)[:10])


def civil(day):
    # CivilDateTime date: plain numbers, no zero padding.
    return {'year': day.year, 'month': day.month, 'day': day.day}


def date_of(value):
    # A google.type.Date or CivilDateTime date ({year, month, day}) as a datetime.date, or None.
    try:
        return datetime.date(int(value['year']), int(value['month']), int(value['day']))
    except (KeyError, TypeError, ValueError):
        return None


def to_int(value):
    # int64 values arrive as strings.
    return int(float(value)) if value not in (None, '') else 0


def rollup_values(kind, point):
    # The day's values from a dailyRollUp point; None when the window has no value (no data that day).
    if kind == 'steps':
        value = (point.get('steps') or {}).get('countSum')
        return None if value is None else {'STEPS': to_int(value)}
    if kind == 'distance':
        value = (point.get('distance') or {}).get('millimetersSum')
        return None if value is None else {'DISTANCE_M': to_int(value) / 1000.0}
    if kind == 'calories':
        value = (point.get('totalCalories') or {}).get('kcalSum')
        return None if value is None else {'CALORIES_KCAL': float(value)}
    zones = point.get('activeZoneMinutes')
    if not isinstance(zones, dict):
        return None
    fat_burn, cardio, peak = (to_int(zones.get(name)) for name in
                              ('sumInFatBurnHeartZone', 'sumInCardioHeartZone', 'sumInPeakHeartZone'))
    return {'ACTIVE_ZONE_MINUTES': fat_burn + cardio + peak, 'ACTIVE_ZONE_MINUTES_FAT_BURN': fat_burn,
            'ACTIVE_ZONE_MINUTES_CARDIO': cardio, 'ACTIVE_ZONE_MINUTES_PEAK': peak}


def fetch_rollup(token, kind, data_type, scope, start, stop):
    # One window of dailyRollUp, every page: {day: values}.
    url = API + '/v4/users/me/dataTypes/' + data_type + '/dataPoints:dailyRollUp'
    out, page = {}, None
    while True:
        body = {'range': {'start': {'date': civil(start)}, 'end': {'date': civil(stop)}}, 'windowSizeDays': 1}
        if page:
            body['pageToken'] = page
        data = call(token, SECRET, scope, 'POST', url, body)
        for point in data.get('rollupDataPoints') or []:
            day = date_of((point.get('civilStartTime') or {}).get('date'))
            values = rollup_values(kind, point)
            if day is not None and values is not None:
                out[day] = values
        page = data.get('nextPageToken')
        if not page:
            return out


def list_pages(token, data_type, scope, flt, page_size=None):
    # Every data point list answers for a filter, page by page.
    page = None
    while True:
        query = {'filter': flt}
        if page_size:
            query['pageSize'] = page_size
        if page:
            query['pageToken'] = page
        url = (API + '/v4/users/me/dataTypes/' + data_type + '/dataPoints?'
               + urllib.parse.urlencode(query, quote_via=urllib.parse.quote))
        data = call(token, SECRET, scope, 'GET', url)
        yield from data.get('dataPoints') or []
        page = data.get('nextPageToken')
        if not page:
            return


def between(field, start, stop):
    # A closed-open filter on a date field; filter literals are ISO 8601 dates (zero-padded, unlike civil()).
    return field + ' >= "' + start.isoformat() + '" AND ' + field + ' < "' + stop.isoformat() + '"'


def fetch_resting(token, start, stop):
    out = {}
    points = list_pages(token, 'daily-resting-heart-rate', HEALTH_METRICS,
                        between('daily_resting_heart_rate.date', start, stop))
    for point in points:
        rhr = point.get('dailyRestingHeartRate') or {}
        day = date_of(rhr.get('date'))
        if day is not None and rhr.get('beatsPerMinute') not in (None, ''):
            out[day] = {'RESTING_HEART_RATE': to_int(rhr['beatsPerMinute'])}
    return out


def fetch_sleep(token, start, stop):
    # Sleep comes as sessions: each counts for the civil date it ends on (the night before that morning, or a
    # nap that day), and a date's sessions are added up, whatever page or order they come in.
    out = {}
    points = list_pages(token, 'sleep', SLEEP, between('sleep.interval.civil_end_time', start, stop),
                        SLEEP_PAGE_SIZE)
    for point in points:
        session = point.get('sleep') or {}
        day = date_of(((session.get('interval') or {}).get('civilEndTime') or {}).get('date'))
        if day is None:
            continue
        summary = session.get('summary') or {}
        totals = out.setdefault(day, {'SLEEP_MINUTES': 0, 'SLEEP_IN_BED_MINUTES': 0, 'SLEEP_AWAKE_MINUTES': 0})
        totals['SLEEP_MINUTES'] += to_int(summary.get('minutesAsleep'))
        totals['SLEEP_IN_BED_MINUTES'] += to_int(summary.get('minutesInSleepPeriod'))
        totals['SLEEP_AWAKE_MINUTES'] += to_int(summary.get('minutesAwake'))
        for stage in summary.get('stagesSummary') or []:
            column = STAGE_COLUMNS.get(str((stage or {}).get('type')))
            if column:
                totals[column] = totals.get(column, 0) + to_int(stage.get('minutes'))
    for totals in out.values():
        in_bed = totals['SLEEP_IN_BED_MINUTES']
        # Half up, as people round percentages (Python's round() goes to the even neighbour).
        totals['SLEEP_EFFICIENCY'] = int(100 * totals['SLEEP_MINUTES'] / in_bed + 0.5) if in_bed > 0 else None
    return out


class DailyData:
    def process(self, kind, start_date, end_date):
        name = str(kind).strip().lower() if kind is not None else ''
        if name not in KINDS:
            fail('bad_request', 'unknown kind ' + short(repr(kind), 60) + ': use one of ' + ', '.join(KINDS))
        start, end = as_date(start_date), as_date(end_date)
        if start is None or end is None:
            return
        if end < start:
            fail('bad_request', 'end_date ' + end.isoformat() + ' is before start_date ' + start.isoformat())
        data_type, read, scope, days = KINDS[name]
        token = access_token(SECRET)
        # Who the rows belong to: one identity call (any read scope works; the set always holds activity).
        account = str(call(token, SECRET, ACTIVITY, 'GET', API + '/v4/users/me/identity').get('healthUserId') or '')
        stop = end + datetime.timedelta(days=1)  # the caller's end is inclusive, the API's is not
        window = start
        while window < stop:
            window_end = min(window + datetime.timedelta(days=days), stop)
            if read == 'rollup':
                found = fetch_rollup(token, name, data_type, scope, window, window_end)
            elif name == 'resting_heart_rate':
                found = fetch_resting(token, window, window_end)
            else:
                found = fetch_sleep(token, window, window_end)
            for day in sorted(found):
                if start <= day <= end:
                    yield (account, day) + tuple(found[day].get(column) for column in COLUMNS)
            window = window_end
$$;

-- The app's role calls this account's check and data functions; readers may call them too.
GRANT USAGE ON FUNCTION <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% check_function | default("FITBIT_CONNECTION_CHECK") %>() TO ROLE <% app_role | default("FITBIT_CONNECT_APP_ROLE") %>;
GRANT USAGE ON FUNCTION <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% steps_function | default("FITBIT_DAILY_STEPS") %>(DATE, DATE) TO ROLE <% app_role | default("FITBIT_CONNECT_APP_ROLE") %>;
GRANT USAGE ON FUNCTION <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% data_function | default("FITBIT_DAILY_DATA") %>(VARCHAR, DATE, DATE) TO ROLE <% app_role | default("FITBIT_CONNECT_APP_ROLE") %>;
GRANT USAGE ON FUNCTION <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% check_function | default("FITBIT_CONNECTION_CHECK") %>() TO ROLE <% reader_role | default("FITBIT_READER") %>;
GRANT USAGE ON FUNCTION <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% steps_function | default("FITBIT_DAILY_STEPS") %>(DATE, DATE) TO ROLE <% reader_role | default("FITBIT_READER") %>;
GRANT USAGE ON FUNCTION <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% data_function | default("FITBIT_DAILY_DATA") %>(VARCHAR, DATE, DATE) TO ROLE <% reader_role | default("FITBIT_READER") %>;
-- [per-account] end

----------------------------------------------------------------------------------------------------------
-- 5. ACCOUNTADMIN: the app's RSA public key, last on purpose.
--    Everything above is created first, so if the key below is still the placeholder only this statement
--    fails (Snowflake: "Invalid RSA public key"); snow sql stops at the first error, and nothing follows.
--    Once you have the key (docs/going-live.md, step 2: ~/.snowflake/fitbit_connect_rsa_key.pub, never the
--    .p8 private key), rerun just these two statements with its base64 body (the lines between BEGIN and END):
--      snow sql -q "USE ROLE ACCOUNTADMIN; ALTER USER FITBIT_CONNECT_APP SET RSA_PUBLIC_KEY = '<base64 body>'"
--    or rerun the whole script (safe: see "Safe to re-run" above) with the key: app_public_key_file=… for
--    npm run -s sql -- setup-google-health, or -D "app_public_key=…" for snow sql -f.
--    Setting it again replaces the key; ALTER USER … SET RSA_PUBLIC_KEY_2 lets you rotate without downtime.
----------------------------------------------------------------------------------------------------------
USE ROLE ACCOUNTADMIN;

ALTER USER <% app_user | default("FITBIT_CONNECT_APP") %> SET
  RSA_PUBLIC_KEY = '<% app_public_key | default("PASTE_THE_APP_RSA_PUBLIC_KEY_HERE") %>';
