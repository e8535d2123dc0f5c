-- distribute.sql — makes a minsheng PostgreSQL database ready for Citus
-- (docs/scale.md, "A national deployment: Citus" and "Keys that change for
-- Citus"). Run it once, with every minsheng process stopped, on a database
-- that `minsheng init` has brought to schema 9:
--
--   psql -X -q -v ON_ERROR_STOP=1 -d "$MINSHENG_DB" -f packaging/citus/distribute.sql
--
-- It runs in one transaction, in two parts:
--   (a) keys: every PRIMARY KEY, UNIQUE constraint and unique index of a
--       table to be distributed is widened to contain the distribution
--       column (Citus can only enforce uniqueness within one shard), and
--       what Citus cannot enforce is dropped (each noted below). This part
--       runs on plain PostgreSQL too; the application works unchanged on the
--       result (tests/cli/t_citus.sh checks both on plain PostgreSQL).
--   (b) only when the citus extension is installed: every table becomes a
--       reference table or a distributed table, as the plan below says.
--       On plain PostgreSQL this part does nothing.
--
-- Only columns the tables already have are used, so the C code does not
-- change. docs/scale.md's table would distribute the alerts and household
-- files by city, a column the tables lack (that needs code, see there);
-- this script uses what exists: alerts by their id with every child by
-- alert_id, household files by household.
--
-- The plan: one row per table of the schema, in pg_temp.citus_plan below.
-- tests/cli/t_citus.sh reads these rows from this file (one row a line,
-- exactly as written) and checks the database against them; a table added
-- by a later migration must be added here, or t_citus fails. kind is
-- reference or distributed; colocate is the table whose co-location group a
-- distributed table joins ('none' = a group of its own); ord is the order of
-- the create_* calls (a group's first table before the tables joining it).

\set ON_ERROR_STOP on
BEGIN;

CREATE TEMP TABLE citus_plan (ord int, tbl text, kind text, col text, colocate text) ON COMMIT DROP;
INSERT INTO pg_temp.citus_plan (ord, tbl, kind, col, colocate) VALUES
-- small, read-mostly, joined everywhere: copied whole to every node
  (1, 'schema_version', 'reference', NULL, NULL),
  (2, 'meta', 'reference', NULL, NULL),
  (3, 'feed', 'reference', NULL, NULL),
  (4, 'batch', 'reference', NULL, NULL),
  (5, 'station', 'reference', NULL, NULL),
  (6, 'station_staff', 'reference', NULL, NULL),
  (7, 'station_volunteer', 'reference', NULL, NULL),
  (8, 'station_org', 'reference', NULL, NULL),
  (9, 'station_resource', 'reference', NULL, NULL),
  (10, 'station_affair', 'reference', NULL, NULL),
  (11, 'pack_version', 'reference', NULL, NULL),
  (12, 'scan', 'reference', NULL, NULL),
  (13, 'app_user', 'reference', NULL, NULL),
  (14, 'api_token', 'reference', NULL, NULL),
  (15, 'job', 'reference', NULL, NULL),
  (16, 'webhook', 'reference', NULL, NULL),
  (17, 'eval_round', 'reference', NULL, NULL),
  (18, 'eval_indicator', 'reference', NULL, NULL),
  (19, 'eval_station', 'reference', NULL, NULL),
-- department records: every version of a natural key on one shard; the
-- search index joins it (a persons record's nkey is the identity number)
  (20, 'record', 'distributed', 'nkey', 'none'),
  (21, 'person_index', 'distributed', 'idno', 'record'),
-- a batch's corrections, rejects and review items, together
  (22, 'review', 'distributed', 'batch_id', 'none'),
  (23, 'reject', 'distributed', 'batch_id', 'review'),
  (24, 'correction', 'distributed', 'batch_id', 'review'),
-- an alert and everything about it, together
  (25, 'alert', 'distributed', 'id', 'none'),
  (26, 'alert_evidence', 'distributed', 'alert_id', 'alert'),
  (27, 'alert_explanation', 'distributed', 'alert_id', 'alert'),
  (28, 'alert_event', 'distributed', 'alert_id', 'alert'),
  (29, 'alert_verification', 'distributed', 'alert_id', 'alert'),
  (30, 'attachment', 'distributed', 'alert_id', 'alert'),
  (31, 'alert_notice', 'distributed', 'alert_id', 'alert'),
  (32, 'webhook_delivery', 'distributed', 'alert_id', 'alert'),
-- attachment bytes by content (too large for a reference table)
  (33, 'attachment_blob', 'distributed', 'sha256', 'none'),
-- a household's file and its entries, together
  (34, 'service_file', 'distributed', 'household', 'none'),
  (35, 'service_entry', 'distributed', 'household', 'service_file'),
-- scores are written and read per station
  (36, 'eval_score', 'distributed', 'station', 'none'),
-- sessions: small and hot, never joined; docs/scale.md would keep them on
-- the coordinator, which a table with a foreign key to a reference table
-- cannot simply be (it would have to become a Citus local table): a table
-- of its own keyed by its primary key does the same job
  (37, 'session', 'distributed', 'token_hash', 'none');

-- ---- (a) keys ----------------------------------------------------------
-- Tables whose keys already contain their distribution column, unchanged:
-- correction, reject (batch_id, row); alert_evidence (alert_id, fact_key);
-- alert_explanation (alert_id, scan_id); attachment (alert_id, sha256);
-- alert_notice (alert_id, kind, ref); attachment_blob (sha256);
-- service_file (household); person_index (idno); session (token_hash);
-- eval_score (round_id, station, indicator, source).
--
-- Every ON CONFLICT target of the C code keeps its unique index: meta(key),
-- pack_version(sha256), alert_evidence(alert_id, fact_key),
-- alert_explanation(alert_id, scan_id), attachment_blob(sha256),
-- attachment(alert_id, sha256), person_index(idno), eval_score(round_id,
-- station, indicator, source) are untouched; the targetless ON CONFLICT DO
-- NOTHING of the one-row inserts needs none (t_citus checks the targets).
--
-- Where a primary key (id) becomes (column, id), a plain index on id keeps
-- the lookups and range scans by id (WHERE id = ?, id >= ? AND id < ?) as
-- fast as before; under Citus such a lookup without the distribution column
-- is sent to every shard. Identity columns stay: they are bigint, which
-- Citus accepts, and the coordinator hands out the ids, so ids remain
-- unique across shards although no single index enforces it.

-- record, by nkey: primary key (id) → (nkey, id). The unique key
-- (feed_id, nkey, batch_id) already contains nkey and is kept in its
-- order (docs/scale.md writes it (nkey, feed_id, batch_id); the column
-- order does not matter to Citus, and the current order serves the
-- lookups by feed and key, KEY_PROBE/KEY_ROW in store_sqlite.c).
ALTER TABLE record DROP CONSTRAINT record_pkey,
  ADD CONSTRAINT record_pkey PRIMARY KEY (nkey, id);
CREATE INDEX record_id ON record(id);

-- review, by batch_id: primary key (id) → (batch_id, id); the unique key
-- (batch_id, row) already contains batch_id.
ALTER TABLE review DROP CONSTRAINT review_pkey,
  ADD CONSTRAINT review_pkey PRIMARY KEY (batch_id, id);
CREATE INDEX review_id ON review(id);

-- alert, by id: the primary key is the distribution column. Citus cannot
-- enforce the partial unique index alert_open_key (rule, subject) WHERE
-- state != 'closed' (it lacks id; with id it would mean nothing), so it is
-- dropped. "At most one open alert per rule and subject" is then kept by the
-- scan alone: ms_alerts_apply (src/monitor/alerts.c) looks for the open
-- alert (ALERT_OPEN, ms_store_alert_find_open) before ALERT_ADD inserts one,
-- and every scan holds the writers' lock. ALERT_ADD's "an open alert exists"
-- answer (DB_CONSTRAINT → MS_ERR_EXISTS in ms_store_alert_insert) can no
-- longer happen. The lookup itself uses alert_key (rule, subject, state).
DROP INDEX alert_open_key;

-- alert_event, by alert_id: primary key (id) → (alert_id, id). The foreign
-- key from alert_verification(event_id) to alert_event(id) depends on the
-- old key: it is dropped here and replaced below by one on
-- (alert_id, event_id), which Citus can enforce (co-located by alert_id).
ALTER TABLE alert_verification DROP CONSTRAINT alert_verification_event_id_fkey;
ALTER TABLE alert_event DROP CONSTRAINT alert_event_pkey,
  ADD CONSTRAINT alert_event_pkey PRIMARY KEY (alert_id, id);
CREATE INDEX alert_event_id ON alert_event(id);

-- alert_verification, by alert_id: primary key (event_id) →
-- (alert_id, event_id); its event is named with the alert.
ALTER TABLE alert_verification DROP CONSTRAINT alert_verification_pkey,
  ADD CONSTRAINT alert_verification_pkey PRIMARY KEY (alert_id, event_id);
CREATE INDEX alert_verification_event ON alert_verification(event_id);
ALTER TABLE alert_verification ADD CONSTRAINT alert_verification_event_id_fkey
  FOREIGN KEY (alert_id, event_id) REFERENCES alert_event(alert_id, id);

-- attachment, by alert_id, and attachment_blob, by sha256, are not
-- co-located: Citus cannot enforce the foreign key attachment(sha256) →
-- attachment_blob(sha256), so it is dropped. The code writes the blob first
-- (BLOB_PUT … ON CONFLICT(sha256) DO NOTHING, then ATT_LINK, in one
-- transaction, src/store/store_work.c), and `minsheng purge` deletes only
-- the blobs no link names (ATT_BLOBS, src/store/store_retention.c); that
-- keeps the reference whole.
ALTER TABLE attachment DROP CONSTRAINT attachment_sha256_fkey;

-- webhook_delivery, by alert_id: primary key (id) → (alert_id, id).
ALTER TABLE webhook_delivery DROP CONSTRAINT webhook_delivery_pkey,
  ADD CONSTRAINT webhook_delivery_pkey PRIMARY KEY (alert_id, id);
CREATE INDEX webhook_delivery_id ON webhook_delivery(id);

-- service_entry, by household (co-located with service_file): primary key
-- (id) → (household, id); its foreign key to service_file(household) is on
-- the distribution column and stays.
ALTER TABLE service_entry DROP CONSTRAINT service_entry_pkey,
  ADD CONSTRAINT service_entry_pkey PRIMARY KEY (household, id);
CREATE INDEX service_entry_id ON service_entry(id);

-- The other foreign keys stay: from a distributed table to a reference
-- table (alert, alert_evidence, alert_explanation → scan; eval_score →
-- eval_round; webhook_delivery → webhook; service_file → station;
-- session → app_user), between reference tables, and between co-located
-- tables on the distribution column (the alert children → alert(id);
-- service_entry → service_file(household)).

-- ---- (b) Citus: reference and distributed tables -----------------------
-- Only with the extension (and its worker nodes added). The foreign keys
-- are set aside while the tables are converted and added back afterwards,
-- so the order of the calls need only follow the co-location groups.
DO $citus$
DECLARE
	p record;
	f record;
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') THEN
		RAISE NOTICE 'citus is not installed: keys changed, no table distributed';
		RETURN;
	END IF;
	-- foreign keys to reference tables, created in the transaction that
	-- created the tables, need the sequential mode
	PERFORM set_config('citus.multi_shard_modify_mode', 'sequential', true);
	CREATE TEMP TABLE citus_fkeys ON COMMIT DROP AS
		SELECT conrelid::regclass::text AS rel, conname, pg_get_constraintdef(oid) AS def
		FROM pg_constraint WHERE contype = 'f' AND connamespace = 'public'::regnamespace;
	FOR f IN SELECT * FROM pg_temp.citus_fkeys LOOP
		EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', f.rel, f.conname);
	END LOOP;
	FOR p IN SELECT * FROM pg_temp.citus_plan ORDER BY ord LOOP
		IF p.kind = 'reference' THEN
			PERFORM create_reference_table(format('public.%I', p.tbl)::regclass);
		ELSE
			PERFORM create_distributed_table(format('public.%I', p.tbl)::regclass, p.col,
			                                 colocate_with => CASE WHEN p.colocate = 'none'
			                                 THEN 'none' ELSE format('public.%I', p.colocate) END);
		END IF;
	END LOOP;
	FOR f IN SELECT * FROM pg_temp.citus_fkeys LOOP
		EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s', f.rel, f.conname, f.def);
	END LOOP;
END
$citus$;

COMMIT;
