-- Least-privilege roles for the sales pipeline on PostgreSQL or Supabase.
--
-- Run once as an administrator (postgres on Supabase), connected to the pipeline's database:
--     psql "$ADMIN_DATABASE_URL" -v ON_ERROR_STOP=1 -f sql/roles.sql
-- It is idempotent: run it again after a migration created by an administrator, or on a new database.
-- Then give each role a password (never commit it) and use them in the two URLs:
--     ALTER ROLE pipeline_writer PASSWORD '...';   -- DATABASE_URL (the pipeline; runs the migrations)
--     ALTER ROLE dashboard_reader PASSWORD '...';  -- DASHBOARD_DATABASE_URL (the dashboard; read-only)
--     ALTER ROLE steward_writer PASSWORD '...';    -- STEWARD_DATABASE_URL (the dashboard's steward actions)
-- Run it again after the pipeline created a new dataset's tables: stewards may then promote into its clean table.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'pipeline_writer') THEN
        CREATE ROLE pipeline_writer LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'dashboard_reader') THEN
        CREATE ROLE dashboard_reader LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'steward_writer') THEN
        CREATE ROLE steward_writer LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;
    END IF;
    EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO pipeline_writer', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO dashboard_reader', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO steward_writer', current_database());
END
$$;

-- Only the writer creates objects in the schema (PostgreSQL 15 already denies CREATE to PUBLIC).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA public TO pipeline_writer;
GRANT USAGE ON SCHEMA public TO dashboard_reader, steward_writer;

-- The pipeline's tables belong to the writer, so its Alembic migrations can alter them
-- (tables created earlier by an administrator are handed over).
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['alembic_version', 'pipeline_runs', 'raw_sales', 'validation_results', 'clean_sales',
                             'exceptions', 'audit_log', 'analytics_summary', 'id_blocks', 'exception_events',
                             'ledger_summary', 'alerts'] LOOP
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

-- The steward: what a replay of steward actions writes, and nothing else. It reads everything; it records its
-- replay run and audit events, appends exception events, moves an exception's status, promotes rows into a
-- clean table (and takes them out again on a reopening), and replaces the analytics of the runs it touched; on
-- the ledger it marks the rows a waived conflict supersedes (and restores them) and replaces the ledger's aggregates.
-- It creates nothing, loads no file, and cannot touch raw rows or validation results.
GRANT SELECT ON ALL TABLES IN SCHEMA public TO steward_writer;
ALTER DEFAULT PRIVILEGES FOR ROLE pipeline_writer IN SCHEMA public GRANT SELECT ON TABLES TO steward_writer;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM steward_writer;
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['pipeline_runs', 'audit_log', 'exception_events', 'analytics_summary',
                             'ledger_summary'] LOOP
        IF to_regclass(format('public.%I', t)) IS NOT NULL THEN
            EXECUTE format('GRANT INSERT ON public.%I TO steward_writer', t);
        END IF;
    END LOOP;
    IF to_regclass('public.exception_events') IS NOT NULL THEN  -- migration 0006 (exceptions.status) is applied
        GRANT UPDATE (status, status_reason, ended_at, clean_count, data_docs_path) ON public.pipeline_runs
            TO steward_writer;
        GRANT UPDATE (status) ON public.exceptions TO steward_writer;
        GRANT DELETE ON public.analytics_summary TO steward_writer;
    END IF;
    IF to_regclass('public.ledger_summary') IS NOT NULL THEN  -- migration 0007: the ledger's aggregates
        GRANT DELETE ON public.ledger_summary TO steward_writer;
    END IF;
    -- Every dataset's clean table (clean_sales and the tables the pipeline made for other datasets' specs).
    FOR t IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname LIKE 'clean\_%' LOOP
        EXECUTE format('GRANT INSERT, DELETE ON public.%I TO steward_writer', t);
        IF EXISTS (SELECT FROM information_schema.columns WHERE table_schema = 'public' AND table_name = t
                   AND column_name = 'superseded_by_record_id') THEN  -- a waiver supersedes, a reopening restores
            EXECUTE format('GRANT UPDATE (superseded_by_record_id, superseded_in_run_id) ON public.%I TO steward_writer', t);
        END IF;
    END LOOP;
END
$$;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO steward_writer;
ALTER DEFAULT PRIVILEGES FOR ROLE pipeline_writer IN SCHEMA public GRANT USAGE ON SEQUENCES TO steward_writer;
