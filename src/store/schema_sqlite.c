/* schema_sqlite.c — the database schema as numbered migrations (SQLite dialect).
 * Never edit a released migration: add the next number. Every large table
 * carries an area code, so scoped reads filter on it. */
#include "store/schema.h"

static const ms_migration migrations[] = {
	{1, "registry and feeds: batches, versioned records, rejects, review queue",
	 "CREATE TABLE meta (\n"
	 "  key TEXT PRIMARY KEY,\n"
	 "  value TEXT NOT NULL\n"
	 ") STRICT;\n"
	 /* one row per feed name ever imported */
	 "CREATE TABLE feed (\n"
	 "  id INTEGER PRIMARY KEY,\n"
	 "  name TEXT NOT NULL UNIQUE\n"
	 ") STRICT;\n"
	 /* a file = a batch, identified by feed and the SHA-256 of its bytes.
	  * Records of a staging batch are invisible; publishing flips the state. */
	 "CREATE TABLE batch (\n"
	 "  id INTEGER PRIMARY KEY,\n"
	 "  feed_id INTEGER NOT NULL REFERENCES feed(id),\n"
	 "  sha256 TEXT NOT NULL,\n"
	 "  file_name TEXT NOT NULL,\n"
	 "  format TEXT NOT NULL,\n"
	 "  encoding TEXT NOT NULL,\n"
	 "  state TEXT NOT NULL CHECK (state IN ('staging','published','revoked')),\n"
	 "  rows INTEGER NOT NULL DEFAULT 0,\n"
	 "  accepted INTEGER NOT NULL DEFAULT 0,\n"
	 "  unchanged INTEGER NOT NULL DEFAULT 0,\n"
	 "  updated INTEGER NOT NULL DEFAULT 0,\n"
	 "  rejected INTEGER NOT NULL DEFAULT 0,\n"
	 "  review INTEGER NOT NULL DEFAULT 0,\n"
	 "  corrected INTEGER NOT NULL DEFAULT 0,\n"
	 "  actor TEXT NOT NULL DEFAULT '',\n"
	 "  created TEXT NOT NULL,\n"
	 "  published TEXT,\n"
	 "  revoked TEXT,\n"
	 "  revoked_by TEXT,\n"
	 "  revoke_reason TEXT,\n"
	 "  first_record INTEGER NOT NULL DEFAULT 0,\n"
	 "  UNIQUE (feed_id, sha256)\n"
	 ") STRICT;\n"
	 /* versioned facts: the current version of a natural key is the one of
	  * the newest published batch; older versions stay for audit. */
	 "CREATE TABLE record (\n"
	 "  id INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	 "  feed_id INTEGER NOT NULL,\n"
	 "  nkey TEXT NOT NULL,\n"
	 "  batch_id INTEGER NOT NULL,\n"
	 "  row INTEGER NOT NULL,\n"
	 "  idno TEXT,\n"
	 "  area TEXT,\n"
	 "  day INTEGER,\n"
	 "  vals TEXT NOT NULL,\n"
	 "  extra TEXT,\n"
	 "  UNIQUE (feed_id, nkey, batch_id)\n"
	 ") STRICT;\n"
	 /* Records are found by person through the columnar snapshot, which
	  * sorts them by person when it is built; a B-tree index on idno
	  * maintained row by row would cost as much as the rest of the import.
	  * Record ids are never reused, so a reference names one record. */
	 /* identity numbers corrected by one edit on import */
	 "CREATE TABLE correction (\n"
	 "  batch_id INTEGER NOT NULL,\n"
	 "  row INTEGER NOT NULL,\n"
	 "  original TEXT NOT NULL,\n"
	 "  corrected TEXT NOT NULL,\n"
	 "  PRIMARY KEY (batch_id, row)\n"
	 ") STRICT;\n"
	 "CREATE TABLE reject (\n"
	 "  batch_id INTEGER NOT NULL,\n"
	 "  row INTEGER NOT NULL,\n"
	 "  col TEXT NOT NULL,\n"
	 "  code TEXT NOT NULL,\n"
	 "  reason_zh TEXT NOT NULL,\n"
	 "  reason_en TEXT NOT NULL,\n"
	 "  original TEXT NOT NULL,\n"
	 "  PRIMARY KEY (batch_id, row)\n"
	 ") STRICT;\n"
	 /* rows whose identity number is invalid and could not be corrected:
	  * an officer links them to a person or discards them. */
	 "CREATE TABLE review (\n"
	 "  id INTEGER PRIMARY KEY,\n"
	 "  batch_id INTEGER NOT NULL,\n"
	 "  row INTEGER NOT NULL,\n"
	 "  feed_id INTEGER NOT NULL,\n"
	 "  idno_raw TEXT NOT NULL,\n"
	 "  name TEXT NOT NULL,\n"
	 "  reason TEXT NOT NULL,\n"
	 "  candidates TEXT NOT NULL DEFAULT '',\n"
	 "  nkey TEXT NOT NULL,\n"
	 "  area TEXT,\n"
	 "  day INTEGER,\n"
	 "  vals TEXT NOT NULL,\n"
	 "  extra TEXT,\n"
	 "  state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open','linked','discarded')),\n"
	 "  linked_idno TEXT,\n"
	 "  decided_by TEXT,\n"
	 "  decided TEXT,\n"
	 "  note TEXT,\n"
	 "  UNIQUE (batch_id, row)\n"
	 ") STRICT;\n"
	 "CREATE INDEX review_open ON review(state, batch_id);\n"},
	{2, "stations, scans, pack versions, alerts with evidence, explanations and events",
	 /* township stations (9 digits) and village points (12 digits) */
	 "CREATE TABLE station (\n"
	 "  code TEXT PRIMARY KEY,\n"
	 "  name TEXT NOT NULL,\n"
	 "  type TEXT NOT NULL CHECK (type IN ('station','point')),\n"
	 "  created TEXT NOT NULL,\n"
	 "  CHECK ((type = 'station' AND length(code) = 9) OR (type = 'point' AND length(code) = 12))\n"
	 ") STRICT;\n"
	 /* every policy pack version a scan has used (SPEC §3.1) */
	 "CREATE TABLE pack_version (\n"
	 "  sha256 TEXT PRIMARY KEY,\n"
	 "  first_used TEXT NOT NULL\n"
	 ") STRICT;\n"
	 /* one row per scan that wrote alerts; counts is the JSON of `scan --json` */
	 "CREATE TABLE scan (\n"
	 "  id INTEGER PRIMARY KEY,\n"
	 "  as_of TEXT NOT NULL,\n"
	 "  pack_version TEXT NOT NULL,\n"
	 "  started TEXT NOT NULL,\n"
	 "  finished TEXT,\n"
	 "  actor TEXT NOT NULL DEFAULT '',\n"
	 "  dry_run INTEGER NOT NULL DEFAULT 0 CHECK (dry_run IN (0,1)),\n"
	 "  counts TEXT\n"
	 ") STRICT;\n"
	 /* an alert is keyed by (rule, subject): at most one open alert per key.
	  * area is the subject's area when raised and is kept; inbox is the
	  * routing target (9-digit station, 6-digit county, or the province's
	  * unrouted inbox). version counts lifecycle changes (optimistic
	  * concurrency); last_scan is the latest scan whose hits held it. */
	 "CREATE TABLE alert (\n"
	 "  id INTEGER PRIMARY KEY,\n"
	 "  rule TEXT NOT NULL,\n"
	 "  kind TEXT NOT NULL,\n"
	 "  subject_type TEXT NOT NULL CHECK (subject_type IN ('person','household')),\n"
	 "  subject TEXT NOT NULL,\n"
	 "  area TEXT NOT NULL,\n"
	 "  inbox TEXT NOT NULL,\n"
	 "  state TEXT NOT NULL DEFAULT 'new' CHECK (state IN "
	 "('new','assigned','verifying','verified','returned','closed')),\n"
	 "  cleared INTEGER NOT NULL DEFAULT 0 CHECK (cleared IN (0,1)),\n"
	 "  created TEXT NOT NULL,\n"
	 "  due TEXT NOT NULL,\n"
	 "  version INTEGER NOT NULL DEFAULT 1,\n"
	 "  assignee TEXT,\n"
	 "  raised_scan INTEGER NOT NULL REFERENCES scan(id),\n"
	 "  last_scan INTEGER NOT NULL REFERENCES scan(id),\n"
	 "  pack_version TEXT NOT NULL,\n"
	 "  closed TEXT\n"
	 ") STRICT;\n"
	 "CREATE UNIQUE INDEX alert_open_key ON alert(rule, subject) WHERE state != 'closed';\n"
	 "CREATE INDEX alert_key ON alert(rule, subject, state);\n"
	 "CREATE INDEX alert_area ON alert(area);\n"
	 "CREATE INDEX alert_inbox ON alert(inbox, state);\n"
	 /* evidence facts: fact_key = feed 0x1E natural key 0x1E SHA-256 (hex) of
	  * the canonical values (SPEC §3.2), so a row sent again is not new */
	 "CREATE TABLE alert_evidence (\n"
	 "  alert_id INTEGER NOT NULL REFERENCES alert(id),\n"
	 "  fact_key TEXT NOT NULL,\n"
	 "  feed TEXT NOT NULL,\n"
	 "  record_id INTEGER NOT NULL,\n"
	 "  batch_id INTEGER NOT NULL,\n"
	 "  row INTEGER NOT NULL,\n"
	 "  person TEXT,\n"
	 "  added_scan INTEGER NOT NULL REFERENCES scan(id),\n"
	 "  PRIMARY KEY (alert_id, fact_key)\n"
	 ") STRICT, WITHOUT ROWID;\n"
	 "CREATE INDEX alert_evidence_batch ON alert_evidence(batch_id);\n"
	 /* the explanation of the scan that raised an alert, and of each scan
	  * that appended evidence to it (schema in docs/explain.md) */
	 "CREATE TABLE alert_explanation (\n"
	 "  alert_id INTEGER NOT NULL REFERENCES alert(id),\n"
	 "  scan_id INTEGER NOT NULL REFERENCES scan(id),\n"
	 "  json TEXT NOT NULL,\n"
	 "  PRIMARY KEY (alert_id, scan_id)\n"
	 ") STRICT, WITHOUT ROWID;\n"
	 /* the history of an alert: 'raised' (from '' to 'new'), then every
	  * lifecycle transition */
	 "CREATE TABLE alert_event (\n"
	 "  id INTEGER PRIMARY KEY,\n"
	 "  alert_id INTEGER NOT NULL REFERENCES alert(id),\n"
	 "  at TEXT NOT NULL,\n"
	 "  actor TEXT NOT NULL DEFAULT '',\n"
	 "  from_state TEXT NOT NULL,\n"
	 "  to_state TEXT NOT NULL,\n"
	 "  note TEXT NOT NULL DEFAULT ''\n"
	 ") STRICT;\n"
	 "CREATE INDEX alert_event_alert ON alert_event(alert_id, id);\n"},
	{3, "users and roles, alert lifecycle: outcomes, decisions, attachments",
	 /* people who use the system (SPEC §1): a role, a scope (area-code
	  * prefix) and, for station heads and workers, their station. The
	  * password is an argon2id string (libsodium's encoded form). failed
	  * counts consecutive wrong passwords; locked_until ends a lockout. */
	 "CREATE TABLE app_user (\n"
	 "  name TEXT PRIMARY KEY,\n"
	 "  role TEXT NOT NULL CHECK (role IN ('admin','officer','station_head','worker',"
	 "'uploader','evaluator','auditor')),\n"
	 "  scope TEXT NOT NULL CHECK (length(scope) IN (2,4,6,9,12)),\n"
	 "  station TEXT REFERENCES station(code),\n"
	 "  pwhash TEXT NOT NULL,\n"
	 "  disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0,1)),\n"
	 "  must_change INTEGER NOT NULL DEFAULT 0 CHECK (must_change IN (0,1)),\n"
	 "  failed INTEGER NOT NULL DEFAULT 0,\n"
	 "  locked_until TEXT,\n"
	 "  created TEXT NOT NULL,\n"
	 "  created_by TEXT NOT NULL DEFAULT '',\n"
	 "  updated TEXT NOT NULL,\n"
	 "  CHECK ((role IN ('station_head','worker')) = (station IS NOT NULL))\n"
	 ") STRICT;\n"
	 "CREATE INDEX app_user_station ON app_user(station, role);\n"
	 /* the alert's current outcome (of its latest verification) and the
	  * closing officer's decision; the history is in alert_event and
	  * alert_verification */
	 "ALTER TABLE alert ADD COLUMN outcome TEXT;\n"
	 "ALTER TABLE alert ADD COLUMN decision TEXT;\n"
	 "CREATE INDEX alert_assignee ON alert(assignee, state);\n"
	 "CREATE INDEX alert_event_to ON alert_event(to_state, alert_id);\n"
	 /* what each verification found (one row per verified event) */
	 "CREATE TABLE alert_verification (\n"
	 "  event_id INTEGER PRIMARY KEY REFERENCES alert_event(id),\n"
	 "  alert_id INTEGER NOT NULL REFERENCES alert(id),\n"
	 "  outcome TEXT NOT NULL CHECK (outcome IN ('enrolled','adjusted','referred',"
	 "'no_action','false_positive','unreachable')),\n"
	 "  benefit TEXT,\n"
	 "  adjustment TEXT CHECK (adjustment IS NULL OR adjustment IN "
	 "('increase','decrease','stop')),\n"
	 "  department TEXT,\n"
	 "  household TEXT\n"
	 ") STRICT;\n"
	 "CREATE INDEX alert_verification_alert ON alert_verification(alert_id, event_id);\n"
	 /* attachments by content: the bytes once per SHA-256, linked to each
	  * alert they document (a photo of one visit serves every alert of the
	  * household) */
	 "CREATE TABLE attachment_blob (\n"
	 "  sha256 TEXT PRIMARY KEY CHECK (length(sha256) = 64),\n"
	 "  mime TEXT NOT NULL,\n"
	 "  size INTEGER NOT NULL CHECK (size > 0 AND size <= 10485760),\n"
	 "  bytes BLOB NOT NULL\n"
	 ") STRICT;\n"
	 "CREATE TABLE attachment (\n"
	 "  alert_id INTEGER NOT NULL REFERENCES alert(id),\n"
	 "  sha256 TEXT NOT NULL REFERENCES attachment_blob(sha256),\n"
	 "  name TEXT NOT NULL DEFAULT '',\n"
	 "  added_by TEXT NOT NULL,\n"
	 "  added TEXT NOT NULL,\n"
	 "  PRIMARY KEY (alert_id, sha256)\n"
	 ") STRICT, WITHOUT ROWID;\n"},
	{4, "station records and household service files",
	 /* a station's own records (SPEC §5); station is the township's area
	  * code, so scoped reads filter on it. Staff and volunteers are kept in
	  * tables of their own: a volunteer never counts as staff. */
	 "CREATE TABLE station_staff (\n"
	 "  id INTEGER PRIMARY KEY,\n"
	 "  station TEXT NOT NULL REFERENCES station(code),\n"
	 "  name TEXT NOT NULL,\n"
	 "  qualification TEXT NOT NULL CHECK (qualification IN "
	 "('assistant','intermediate','senior','none')),\n"
	 "  phone TEXT,\n"
	 "  added_by TEXT NOT NULL,\n"
	 "  added TEXT NOT NULL\n"
	 ") STRICT;\n"
	 "CREATE INDEX station_staff_station ON station_staff(station);\n"
	 /* hours in tenths of an hour */
	 "CREATE TABLE station_volunteer (\n"
	 "  id INTEGER PRIMARY KEY,\n"
	 "  station TEXT NOT NULL REFERENCES station(code),\n"
	 "  name TEXT NOT NULL,\n"
	 "  phone TEXT,\n"
	 "  hours_tenths INTEGER NOT NULL DEFAULT 0 CHECK (hours_tenths >= 0),\n"
	 "  added_by TEXT NOT NULL,\n"
	 "  added TEXT NOT NULL\n"
	 ") STRICT;\n"
	 "CREATE INDEX station_volunteer_station ON station_volunteer(station);\n"
	 "CREATE TABLE station_org (\n"
	 "  id INTEGER PRIMARY KEY,\n"
	 "  station TEXT NOT NULL REFERENCES station(code),\n"
	 "  name TEXT NOT NULL,\n"
	 "  registration TEXT NOT NULL,\n"
	 "  services TEXT NOT NULL DEFAULT '',\n"
	 "  added_by TEXT NOT NULL,\n"
	 "  added TEXT NOT NULL\n"
	 ") STRICT;\n"
	 "CREATE INDEX station_org_station ON station_org(station);\n"
	 /* linked charitable resources: money as integer fen */
	 "CREATE TABLE station_resource (\n"
	 "  id INTEGER PRIMARY KEY,\n"
	 "  station TEXT NOT NULL REFERENCES station(code),\n"
	 "  donor TEXT NOT NULL,\n"
	 "  amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),\n"
	 "  day TEXT NOT NULL,\n"
	 "  purpose TEXT NOT NULL DEFAULT '',\n"
	 "  added_by TEXT NOT NULL,\n"
	 "  added TEXT NOT NULL\n"
	 ") STRICT;\n"
	 "CREATE INDEX station_resource_station ON station_resource(station, day);\n"
	 "CREATE TABLE station_affair (\n"
	 "  id INTEGER PRIMARY KEY,\n"
	 "  station TEXT NOT NULL REFERENCES station(code),\n"
	 "  day TEXT NOT NULL,\n"
	 "  summary TEXT NOT NULL,\n"
	 "  added_by TEXT NOT NULL,\n"
	 "  added TEXT NOT NULL\n"
	 ") STRICT;\n"
	 "CREATE INDEX station_affair_station ON station_affair(station, day);\n"
	 /* one service file (一户一档) per household, opened at the station of
	  * the household's township; area is the household's registry area
	  * when the file was opened */
	 "CREATE TABLE service_file (\n"
	 "  household TEXT PRIMARY KEY,\n"
	 "  area TEXT NOT NULL,\n"
	 "  station TEXT NOT NULL REFERENCES station(code),\n"
	 "  opened TEXT NOT NULL,\n"
	 "  opened_by TEXT NOT NULL,\n"
	 "  created TEXT NOT NULL\n"
	 ") STRICT;\n"
	 "CREATE INDEX service_file_area ON service_file(area);\n"
	 /* what the station did for a household: visits (kind home, phone,
	  * walk_in), services (persons = person-times), referrals (kind = the
	  * department; result is what it did) and applications (kind = the
	  * benefit; result pending, granted or refused) */
	 "CREATE TABLE service_entry (\n"
	 "  id INTEGER PRIMARY KEY,\n"
	 "  household TEXT NOT NULL REFERENCES service_file(household),\n"
	 "  area TEXT NOT NULL,\n"
	 "  type TEXT NOT NULL CHECK (type IN ('visit','service','referral','application')),\n"
	 "  day TEXT NOT NULL,\n"
	 "  kind TEXT NOT NULL,\n"
	 "  persons INTEGER NOT NULL DEFAULT 0 CHECK (persons >= 0),\n"
	 "  person TEXT,\n"
	 "  note TEXT NOT NULL DEFAULT '',\n"
	 "  needs TEXT NOT NULL DEFAULT '',\n"
	 "  result TEXT,\n"
	 "  result_day TEXT,\n"
	 "  result_note TEXT,\n"
	 "  result_by TEXT,\n"
	 "  actor TEXT NOT NULL,\n"
	 "  at TEXT NOT NULL,\n"
	 "  CHECK (type != 'visit' OR kind IN ('home','phone','walk_in')),\n"
	 "  CHECK (type != 'application' OR result IN ('pending','granted','refused'))\n"
	 ") STRICT;\n"
	 "CREATE INDEX service_entry_household ON service_entry(household, day, id);\n"
	 "CREATE INDEX service_entry_area ON service_entry(area, type, day);\n"
	 /* a person's and a household's alerts, for their timelines */
	 "CREATE INDEX alert_subject ON alert(subject);\n"},
	{5, "alerts flagged when a batch their evidence used is revoked",
	 "ALTER TABLE alert ADD COLUMN evidence_revoked INTEGER NOT NULL DEFAULT 0;\n"},
	{6, "sessions, API tokens, second factors and jobs of the HTTP API",
	 /* a login session: only the SHA-256 of its token is kept, so a copy of
	  * the database opens no session. Times are Unix seconds. */
	 "CREATE TABLE session (\n"
	 "  token_hash TEXT PRIMARY KEY CHECK (length(token_hash) = 64),\n"
	 "  user TEXT NOT NULL REFERENCES app_user(name),\n"
	 "  csrf TEXT NOT NULL,\n"
	 "  addr TEXT NOT NULL DEFAULT '',\n"
	 "  created INTEGER NOT NULL,\n"
	 "  last_seen INTEGER NOT NULL,\n"
	 "  expires INTEGER NOT NULL\n"
	 ") STRICT, WITHOUT ROWID;\n"
	 "CREATE INDEX session_user ON session(user);\n"
	 /* bearer tokens of department interfaces (uploaders): the feeds they
	  * may upload to, comma-separated */
	 "CREATE TABLE api_token (\n"
	 "  id INTEGER PRIMARY KEY,\n"
	 "  token_hash TEXT NOT NULL UNIQUE CHECK (length(token_hash) = 64),\n"
	 "  user TEXT NOT NULL REFERENCES app_user(name),\n"
	 "  feeds TEXT NOT NULL,\n"
	 "  label TEXT NOT NULL DEFAULT '',\n"
	 "  created TEXT NOT NULL,\n"
	 "  created_by TEXT NOT NULL DEFAULT '',\n"
	 "  revoked TEXT\n"
	 ") STRICT;\n"
	 /* the TOTP secret (RFC 6238) of a user who has a second factor */
	 "ALTER TABLE app_user ADD COLUMN totp_secret TEXT;\n"
	 /* long work started through the API (imports, scans): its final state
	  * and result; progress while running is kept by the server */
	 "CREATE TABLE job (\n"
	 "  id INTEGER PRIMARY KEY,\n"
	 "  kind TEXT NOT NULL CHECK (kind IN ('import','scan')),\n"
	 "  actor TEXT NOT NULL,\n"
	 "  scope TEXT NOT NULL,\n"
	 "  state TEXT NOT NULL CHECK (state IN ('queued','running','done','failed')),\n"
	 "  params TEXT NOT NULL DEFAULT '{}',\n"
	 "  result TEXT,\n"
	 "  error TEXT,\n"
	 "  created TEXT NOT NULL,\n"
	 "  finished TEXT\n"
	 ") STRICT;\n"},
	{7, "search index of persons: names, pinyin, identity number and phone suffixes",
	 /* one row per person of the registry (its current persons record),
	  * rebuilt from the records by people/index.c, which keeps in meta what
	  * it indexed. It also joins households to their members, which the
	  * record table cannot do without a pass over every person. Suffixes of
	  * identity numbers and phones are searched as prefixes of the reversed
	  * text; pinyin and initials are lower case, "" when none. A first
	  * build drops the secondary indexes and creates them again once the
	  * rows are in (store_people.c keeps the same definitions): sorting
	  * once is far cheaper than millions of inserts into six B-trees. */
	 "CREATE TABLE person_index (\n"
	 "  idno TEXT PRIMARY KEY,\n"
	 "  household TEXT NOT NULL,\n"
	 "  area TEXT NOT NULL,\n"
	 "  name TEXT NOT NULL,\n"
	 "  pinyin TEXT NOT NULL,\n"
	 "  initials TEXT NOT NULL,\n"
	 "  phone TEXT NOT NULL,\n"
	 "  rev_idno TEXT NOT NULL,\n"
	 "  rev_phone TEXT NOT NULL\n"
	 ") STRICT, WITHOUT ROWID;\n"
	 "CREATE INDEX person_index_household ON person_index(household);\n"
	 "CREATE INDEX person_index_name ON person_index(name);\n"
	 "CREATE INDEX person_index_pinyin ON person_index(pinyin);\n"
	 "CREATE INDEX person_index_initials ON person_index(initials);\n"
	 "CREATE INDEX person_index_rev_idno ON person_index(rev_idno);\n"
	 "CREATE INDEX person_index_rev_phone ON person_index(rev_phone);\n"
	 /* a worker's reach: the households with a file at its station */
	 "CREATE INDEX service_file_station ON service_file(station);\n"},
	{8, "station evaluation: rounds, their indicators and stations, scores, spot checks",
	 /* one evaluation round of an area (2, 4 or 6 digits) for a year
	  * (SPEC §5). as_of is the date whose data the computed indicators
	  * measure. The scheme is copied into eval_indicator when the round
	  * opens (its file's SHA-256 is kept), so a later edit of the pack
	  * never changes a round under way. seed and share are set when the
	  * spot-check sample is drawn: with the stations they give the sample
	  * again. Scores are centi-points (1000 points = 100000). */
	 "CREATE TABLE eval_round (\n"
	 "  id INTEGER PRIMARY KEY,\n"
	 "  area TEXT NOT NULL CHECK (length(area) IN (2,4,6)),\n"
	 "  year INTEGER NOT NULL CHECK (year BETWEEN 2000 AND 9999),\n"
	 "  as_of TEXT NOT NULL,\n"
	 "  scheme TEXT NOT NULL,\n"
	 "  scheme_title TEXT NOT NULL,\n"
	 "  scheme_sha256 TEXT NOT NULL,\n"
	 "  pack_version TEXT NOT NULL,\n"
	 "  state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open','closed')),\n"
	 "  seed TEXT,\n"
	 "  share TEXT,\n"
	 "  sampled TEXT,\n"
	 "  sampled_by TEXT,\n"
	 "  computed TEXT,\n"
	 "  computed_by TEXT,\n"
	 "  opened TEXT NOT NULL,\n"
	 "  opened_by TEXT NOT NULL,\n"
	 "  closed TEXT,\n"
	 "  closed_by TEXT\n"
	 ") STRICT;\n"
	 "CREATE INDEX eval_round_area ON eval_round(year, area);\n"
	 /* the scheme's indicators as the round uses them; area is the
	  * round's */
	 "CREATE TABLE eval_indicator (\n"
	 "  round_id INTEGER NOT NULL REFERENCES eval_round(id),\n"
	 "  area TEXT NOT NULL,\n"
	 "  ord INTEGER NOT NULL,\n"
	 "  id TEXT NOT NULL,\n"
	 "  module TEXT NOT NULL,\n"
	 "  module_ord INTEGER NOT NULL,\n"
	 "  title TEXT NOT NULL,\n"
	 "  max_points INTEGER NOT NULL CHECK (max_points > 0),\n"
	 "  method TEXT NOT NULL CHECK (method IN ('manual','computed')),\n"
	 "  measure TEXT,\n"
	 "  floor_param TEXT,\n"
	 "  target_param TEXT,\n"
	 "  empty_full INTEGER NOT NULL DEFAULT 0 CHECK (empty_full IN (0,1)),\n"
	 "  PRIMARY KEY (round_id, id)\n"
	 ") STRICT, WITHOUT ROWID;\n"
	 /* the stations a round evaluates (those under its area when it
	  * opened), whether the sample drew each, its third-party evaluator,
	  * and the totals and star fixed when the round closes */
	 "CREATE TABLE eval_station (\n"
	 "  round_id INTEGER NOT NULL REFERENCES eval_round(id),\n"
	 "  station TEXT NOT NULL CHECK (length(station) = 9),\n"
	 "  name TEXT NOT NULL,\n"
	 "  sampled INTEGER NOT NULL DEFAULT 0 CHECK (sampled IN (0,1)),\n"
	 "  evaluator TEXT REFERENCES app_user(name),\n"
	 "  assigned TEXT,\n"
	 "  assigned_by TEXT,\n"
	 "  self_total INTEGER,\n"
	 "  third_total INTEGER,\n"
	 "  final_total INTEGER,\n"
	 "  star INTEGER,\n"
	 "  PRIMARY KEY (round_id, station)\n"
	 ") STRICT, WITHOUT ROWID;\n"
	 "CREATE INDEX eval_station_evaluator ON eval_station(evaluator, round_id);\n"
	 "CREATE INDEX eval_station_code ON eval_station(station, round_id);\n"
	 /* one score of a station on an indicator, by source: the station's
	  * self-assessment, the third-party evaluator's, or computed from the
	  * system's data (num/den: the measured value, den 0 = nothing to
	  * measure). Entering a score again replaces it. */
	 "CREATE TABLE eval_score (\n"
	 "  round_id INTEGER NOT NULL REFERENCES eval_round(id),\n"
	 "  station TEXT NOT NULL,\n"
	 "  indicator TEXT NOT NULL,\n"
	 "  source TEXT NOT NULL CHECK (source IN ('self','third','computed')),\n"
	 "  points INTEGER NOT NULL CHECK (points >= 0),\n"
	 "  num INTEGER,\n"
	 "  den INTEGER,\n"
	 "  note TEXT NOT NULL DEFAULT '',\n"
	 "  actor TEXT NOT NULL,\n"
	 "  at TEXT NOT NULL,\n"
	 "  PRIMARY KEY (round_id, station, indicator, source)\n"
	 ") STRICT, WITHOUT ROWID;\n"},
	{9, "operations: outbound webhooks and their deliveries, alert notices, retention",
	 /* targets of the outbound webhook (docs/operations.md): events is a
	  * comma-separated subset of new, due_soon, overdue, returned; the
	  * secret signs each body (HMAC-SHA256) and so is kept as given.
	  * removed is set instead of deleting, so deliveries keep their target. */
	 "CREATE TABLE webhook (\n"
	 "  id INTEGER PRIMARY KEY,\n"
	 "  url TEXT NOT NULL,\n"
	 "  secret TEXT NOT NULL,\n"
	 "  events TEXT NOT NULL,\n"
	 "  created TEXT NOT NULL,\n"
	 "  created_by TEXT NOT NULL DEFAULT '',\n"
	 "  removed TEXT\n"
	 ") STRICT;\n"
	 /* one event for one target: the body is fixed when the event is
	  * queued; attempts and next_attempt (Unix seconds) drive the retries
	  * with exponential backoff until delivered or failed (given up) */
	 "CREATE TABLE webhook_delivery (\n"
	 "  id INTEGER PRIMARY KEY,\n"
	 "  webhook_id INTEGER NOT NULL REFERENCES webhook(id),\n"
	 "  event TEXT NOT NULL CHECK (event IN ('new','due_soon','overdue','returned')),\n"
	 "  alert_id INTEGER NOT NULL,\n"
	 "  body TEXT NOT NULL,\n"
	 "  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','delivered','failed')),\n"
	 "  attempts INTEGER NOT NULL DEFAULT 0,\n"
	 "  next_attempt INTEGER NOT NULL,\n"
	 "  last_status INTEGER,\n"
	 "  last_error TEXT,\n"
	 "  created TEXT NOT NULL,\n"
	 "  finished TEXT\n"
	 ") STRICT;\n"
	 "CREATE INDEX webhook_delivery_due ON webhook_delivery(state, next_attempt);\n"
	 /* what `minsheng remind` (and the lifecycle, for returns) has
	  * notified: one row per alert, kind and occasion (the due date for
	  * due_soon and overdue, the event id for returned), so each is
	  * notified once */
	 "CREATE TABLE alert_notice (\n"
	 "  alert_id INTEGER NOT NULL,\n"
	 "  kind TEXT NOT NULL CHECK (kind IN ('new','due_soon','overdue','returned')),\n"
	 "  ref TEXT NOT NULL DEFAULT '',\n"
	 "  at TEXT NOT NULL,\n"
	 "  PRIMARY KEY (alert_id, kind, ref)\n"
	 ") STRICT, WITHOUT ROWID;\n"
	 /* alerts raised before this version are not announced as new */
	 "INSERT OR REPLACE INTO meta(key, value) SELECT 'notify.new_after', "
	 "CAST(coalesce(max(id), 0) AS TEXT) FROM alert;\n"
	 /* when `minsheng purge` removed a closed alert's personal data */
	 "ALTER TABLE alert ADD COLUMN purged TEXT;\n"
	 "CREATE INDEX alert_closed ON alert(state, closed);\n"},
};

const ms_migration *ms_schema_sqlite(int *n)
{
	*n = (int)(sizeof migrations / sizeof migrations[0]);
	return migrations;
}
