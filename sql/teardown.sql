-- fitbit-snowflake-connect: removes what sql/setup-google-health.sql or sql/setup-fitbit.sql created, and the
-- daily load of sql/pipeline-google-health.sql.
--
-- Works for either provider: every DROP says IF EXISTS, so the functions of the other provider (and a daily
-- load never set up) are simply skipped. CAUTION: it drops the daily tables, and the data landed in them;
-- copy them first if you want to keep it (within the table's Time Travel retention, UNDROP TABLE brings one
-- back). It keeps the database and warehouse, which may have existed before setup: dropping
-- them is opt-in, in the commented-out last section. Pass the same names you gave the setup script:
--   npm run -s sql -- teardown         (filled in from the app's settings: .env or the environment)
--   snow sql -f sql/teardown.sql -D "database=…" …   (Snowflake CLI 3.0.0 or later: older releases do not
--                                                     read the variable syntax used here)
-- Sections are marked with the role that runs them; as one script it needs a user holding ACCOUNTADMIN.
-- Dropping the secret ends Snowflake's use of the refresh token but does not revoke it at the provider:
-- remove the app's access in your Google (or Fitbit) account settings as well.
-- Not needed before re-running a setup script: setup changes existing objects in place (ALTER … SET) and
-- keeps the secret's token; teardown then setup makes new objects and needs a new connect.
--
-- Variables (defaults): database FITBIT, schema PUBLIC, warehouse FITBIT_WH, owner_role SYSADMIN,
--   network_rule FITBIT_API_RULE, security_integration FITBIT_OAUTH_INTEGRATION, secret_name
--   FITBIT_OAUTH_TOKEN, external_access_integration FITBIT_EAI, app_role FITBIT_CONNECT_APP_ROLE,
--   reader_role FITBIT_READER, app_user FITBIT_CONNECT_APP, check_function FITBIT_CONNECTION_CHECK,
--   steps_function FITBIT_DAILY_STEPS, data_function FITBIT_DAILY_DATA, steps_month_function
--   FITBIT_STEPS_MONTH, pipeline_role FITBIT_PIPELINE_ROLE, load_task FITBIT_DAILY_LOAD, load_procedure
--   FITBIT_LOAD, runs_table FITBIT_LOAD_RUNS.

----------------------------------------------------------------------------------------------------------
-- 1. Database owner (SYSADMIN by default): the functions first, as they use the integration and secret.
----------------------------------------------------------------------------------------------------------
USE ROLE <% owner_role | default("SYSADMIN") %>;

-- [per-account] begin: one account's functions (`npm run sql -- remove-account` renders it per account)
DROP FUNCTION IF EXISTS <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% check_function | default("FITBIT_CONNECTION_CHECK") %>();
DROP FUNCTION IF EXISTS <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% steps_function | default("FITBIT_DAILY_STEPS") %>(DATE, DATE);
DROP FUNCTION IF EXISTS <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% data_function | default("FITBIT_DAILY_DATA") %>(VARCHAR, DATE, DATE);
DROP FUNCTION IF EXISTS <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% steps_month_function | default("FITBIT_STEPS_MONTH") %>();
-- [per-account] end

-- The daily load: the pipeline role owns it and rolls up to the database owner, who may drop it. The task
-- first, so no run starts while the rest goes; then the procedure and the tables, with the data in them.
DROP TASK IF EXISTS <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% load_task | default("FITBIT_DAILY_LOAD") %>;
DROP PROCEDURE IF EXISTS <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% load_procedure | default("FITBIT_LOAD") %>(VARCHAR, NUMBER);
-- The load of an earlier pipeline script version, if its script was never re-run.
DROP PROCEDURE IF EXISTS <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% load_procedure | default("FITBIT_LOAD") %>(NUMBER);
DROP TABLE IF EXISTS <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.FITBIT_STEPS;
DROP TABLE IF EXISTS <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.FITBIT_DISTANCE;
DROP TABLE IF EXISTS <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.FITBIT_CALORIES;
DROP TABLE IF EXISTS <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.FITBIT_ACTIVE_MINUTES;
DROP TABLE IF EXISTS <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.FITBIT_RESTING_HEART_RATE;
DROP TABLE IF EXISTS <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.FITBIT_SLEEP;
DROP TABLE IF EXISTS <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% runs_table | default("FITBIT_LOAD_RUNS") %>;

----------------------------------------------------------------------------------------------------------
-- 2. ACCOUNTADMIN: the app's user and the external access integration.
----------------------------------------------------------------------------------------------------------
USE ROLE ACCOUNTADMIN;

DROP USER IF EXISTS <% app_user | default("FITBIT_CONNECT_APP") %>;
DROP INTEGRATION IF EXISTS <% external_access_integration | default("FITBIT_EAI") %>;

----------------------------------------------------------------------------------------------------------
-- 3. Database owner: the secret (its refresh token goes with it) and the network rule.
----------------------------------------------------------------------------------------------------------
USE ROLE <% owner_role | default("SYSADMIN") %>;

-- [per-account] begin: one account's secret
DROP SECRET IF EXISTS <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% secret_name | default("FITBIT_OAUTH_TOKEN") %>;
-- [per-account] end
DROP NETWORK RULE IF EXISTS <% database | default("FITBIT") %>.<% schema | default("PUBLIC") %>.<% network_rule | default("FITBIT_API_RULE") %>;

----------------------------------------------------------------------------------------------------------
-- 4. ACCOUNTADMIN: the security integration and the roles.
----------------------------------------------------------------------------------------------------------
USE ROLE ACCOUNTADMIN;

DROP INTEGRATION IF EXISTS <% security_integration | default("FITBIT_OAUTH_INTEGRATION") %>;
DROP ROLE IF EXISTS <% pipeline_role | default("FITBIT_PIPELINE_ROLE") %>;
DROP ROLE IF EXISTS <% app_role | default("FITBIT_CONNECT_APP_ROLE") %>;
DROP ROLE IF EXISTS <% reader_role | default("FITBIT_READER") %>;

----------------------------------------------------------------------------------------------------------
-- 5. OPTIONAL, commented out on purpose: the warehouse and the database.
--    CAUTION: the setup script only creates them IF NOT EXISTS, so they may be yours from before (with
--    tables, stages and other people's objects in them): DROP DATABASE drops everything inside it.
--    Uncomment the three lines below only if the setup script created them, for this app alone.
----------------------------------------------------------------------------------------------------------
-- USE ROLE <% owner_role | default("SYSADMIN") %>;
-- DROP WAREHOUSE IF EXISTS <% warehouse | default("FITBIT_WH") %>;
-- DROP DATABASE IF EXISTS <% database | default("FITBIT") %>;
