-- Least-privilege roles for the sales pipeline on PostgreSQL or Supabase.
--
-- Run once as an administrator (postgres on Supabase), connected to the pipeline's database:
--     psql "$ADMIN_DATABASE_URL" -v ON_ERROR_STOP=1 -f sql/roles.sql
-- It is idempotent: run it again after a migration created by an administrator, or on a new database.
-- Then give each role a password (never commit it) and use them in the two URLs:
--     ALTER ROLE pipeline_writer PASSWORD '...';   -- DATABASE_URL (the pipeline; runs the migrations)
--     ALTER ROLE dashboard_reader PASSWORD '...';  -- DASHBOARD_DATABASE_URL (the dashboard; read-only)

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pipeline_writer') THEN
        CREATE ROLE pipeline_writer LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'dashboard_reader') THEN
        CREATE ROLE dashboard_reader LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;
    END IF;
    EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO pipeline_writer', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO dashboard_reader', current_database());
END
$$;

-- Only the writer creates objects in the schema (PostgreSQL 15 already denies CREATE to PUBLIC).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA public TO pipeline_writer;
GRANT USAGE ON SCHEMA public TO dashboard_reader;

-- The pipeline's tables belong to the writer, so its Alembic migrations can alter them
-- (tables created earlier by an administrator are handed over).
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['alembic_version', 'pipeline_runs', 'raw_sales', 'validation_results', 'clean_sales',
                             'exceptions', 'audit_log', 'analytics_summary', 'id_blocks', 'exception_events'] LOOP
        IF to_regclass(format('public.%I', t)) IS NOT NULL THEN
            EXECUTE format('ALTER TABLE public.%I OWNER TO pipeline_writer', t);
        END IF;
    END LOOP;
END
$$;

-- The reader may SELECT the pipeline's tables, now and whenever the writer creates new ones; nothing else.
GRANT SELECT ON ALL TABLES IN SCHEMA public TO dashboard_reader;
ALTER DEFAULT PRIVILEGES FOR ROLE pipeline_writer IN SCHEMA public GRANT SELECT ON TABLES TO dashboard_reader;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM dashboard_reader;
-- A second guard (the privileges above are the boundary: a session may turn this setting off).
ALTER ROLE dashboard_reader SET default_transaction_read_only = on;
