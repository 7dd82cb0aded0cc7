"""The sandbox's stand-in for the `snowflake` namespace a stored procedure imports from (snowpark only)."""
