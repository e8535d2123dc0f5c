/* routes.c — the route table of /api/v1. The OpenAPI document
 * (docs/openapi.json, served at /api/v1/openapi.json) describes exactly
 * these; a test compares the two. */
#include "http/http_impl.h"

#define V1 "/api/v1"
/* the roles with a part in the station evaluation */
#define ROLES_EVAL (ROLES_OFFICE | RB(MS_ROLE_STATION_HEAD) | RB(MS_ROLE_EVALUATOR))

const ms_route http_routes[] = {
	{"GET", "/healthz", h_healthz, R_PUBLIC, 0},
	{"GET", "/metrics", h_metrics, R_PUBLIC, 0},
	{"GET", V1 "/openapi.json", h_openapi, R_PUBLIC, 0},

	/* sessions and accounts */
	{"POST", V1 "/login", h_login, R_PUBLIC, 0},
	{"POST", V1 "/logout", h_logout, R_ANY_PW, 0},
	{"GET", V1 "/session", h_session, R_ANY_PW, 0},
	{"POST", V1 "/session/password", h_session_password, R_ANY_PW, 0},
	{"GET", V1 "/users", h_users_list, 0, 0},
	{"POST", V1 "/users", h_users_add, 0, 0},
	{"GET", V1 "/users/{name}", h_user_get, 0, 0},
	{"POST", V1 "/users/{name}/password", h_user_password, 0, 0},
	{"POST", V1 "/users/{name}/disable", h_user_disable, 0, 0},
	{"POST", V1 "/users/{name}/totp", h_user_totp_add, 0, 0},
	{"DELETE", V1 "/users/{name}/totp", h_user_totp_remove, 0, 0},
	{"GET", V1 "/tokens", h_tokens_list, 0, RB(MS_ROLE_ADMIN)},
	{"POST", V1 "/tokens", h_tokens_add, 0, RB(MS_ROLE_ADMIN)},
	{"DELETE", V1 "/tokens/{id}", h_token_revoke, 0, RB(MS_ROLE_ADMIN)},

	/* alerts and the closed loop */
	{"GET", V1 "/alerts", h_alerts_list, R_TXN, ROLES_CASE},
	{"GET", V1 "/alerts/{id}", h_alert_get, R_TXN, ROLES_CASE},
	{"POST", V1 "/alerts/{id}/transition", h_alert_transition, 0, ROLES_CASE},
	{"POST", V1 "/alerts/verify", h_alerts_verify_household, 0, ROLES_CASE},
	{"POST", V1 "/alerts/{id}/attachments", h_alert_attach, R_ATTACH, ROLES_CASE},
	{"GET", V1 "/alerts/{id}/attachments/{sha256}", h_alert_attachment, 0, ROLES_CASE},
	{"GET", V1 "/inbox", h_inbox, R_TXN, ROLES_CASE},
	{"GET", V1 "/stats", h_stats, 0, ROLES_OFFICE | RB(MS_ROLE_STATION_HEAD)},

	/* persons and households */
	{"GET", V1 "/search", h_search, 0, ROLES_CASE},
	{"GET", V1 "/persons/{id}", h_person_get, R_TXN, ROLES_CASE},
	{"GET", V1 "/persons/{id}/facts", h_person_facts, R_TXN, ROLES_CASE},
	{"GET", V1 "/persons/{id}/timeline", h_person_timeline, R_TXN, ROLES_CASE},
	{"GET", V1 "/households/{id}", h_household_get, R_TXN, ROLES_CASE},
	{"GET", V1 "/households/{id}/timeline", h_household_timeline, R_TXN, ROLES_CASE},
	{"GET", V1 "/households/{id}/file", h_household_file, R_TXN, ROLES_CASE},
	{"POST", V1 "/households/{id}/file", h_household_file_add, 0, ROLES_CASE},
	{"POST", V1 "/service/{type}/{id}/result", h_service_result, 0, ROLES_CASE},

	/* imports, review, jobs, scans */
	{"GET", V1 "/imports", h_imports_list, R_TOKEN, ROLES_OFFICE | RB(MS_ROLE_UPLOADER)},
	{"POST", V1 "/imports", h_import_upload, R_TOKEN | R_UPLOAD, ROLES_OFFICE | RB(MS_ROLE_UPLOADER)},
	{"GET", V1 "/imports/{id}", h_import_get, R_TOKEN, ROLES_OFFICE | RB(MS_ROLE_UPLOADER)},
	{"GET", V1 "/imports/{id}/rejects", h_import_rejects, R_TOKEN, ROLES_OFFICE | RB(MS_ROLE_UPLOADER)},
	{"POST", V1 "/imports/{id}/revoke", h_import_revoke, 0, ROLES_OFFICE},
	{"GET", V1 "/review", h_review_list, 0, ROLES_OFFICE},
	{"POST", V1 "/review/{id}", h_review_decide, 0, ROLES_OFFICE},
	{"GET", V1 "/jobs/{id}", h_job_get, R_TOKEN, 0},
	{"POST", V1 "/scans", h_scan_start, 0, ROLES_OFFICE},

	/* rules and parameters */
	{"GET", V1 "/rules", h_rules_list, 0, ROLES_CASE},
	{"GET", V1 "/rules/{id}", h_rule_get, 0, ROLES_CASE},
	{"POST", V1 "/rules/test", h_rules_test, 0, ROLES_OFFICE},
	{"GET", V1 "/params", h_params_list, 0, ROLES_CASE},
	{"POST", V1 "/params/{name}", h_param_add, 0, RB(MS_ROLE_ADMIN)},

	/* stations */
	{"GET", V1 "/stations", h_stations_list, 0, ROLES_CASE | RB(MS_ROLE_EVALUATOR)},
	{"GET", V1 "/stations/{code}", h_station_get, 0, ROLES_CASE | RB(MS_ROLE_EVALUATOR)},
	{"GET", V1 "/stations/{code}/records/{kind}", h_station_records, 0, ROLES_CASE},
	{"POST", V1 "/stations/{code}/records/{kind}", h_station_record_add, 0, ROLES_CASE},

	/* the station evaluation (SPEC §5): evaluators read and score only the
	 * stations drawn for them, station heads their own station */
	{"GET", V1 "/eval/scheme", h_eval_scheme, 0, ROLES_EVAL},
	{"GET", V1 "/eval/rounds", h_eval_rounds, 0, ROLES_EVAL},
	{"POST", V1 "/eval/rounds", h_eval_round_open, 0, ROLES_OFFICE},
	{"GET", V1 "/eval/rounds/{id}", h_eval_round_get, 0, ROLES_EVAL},
	{"POST", V1 "/eval/rounds/{id}/compute", h_eval_compute, 0, ROLES_OFFICE},
	{"POST", V1 "/eval/rounds/{id}/sample", h_eval_sample, 0, ROLES_OFFICE},
	{"POST", V1 "/eval/rounds/{id}/assignments", h_eval_assign, 0, ROLES_OFFICE},
	{"POST", V1 "/eval/rounds/{id}/close", h_eval_close, 0, ROLES_OFFICE},
	{"GET", V1 "/eval/rounds/{id}/report", h_eval_report, 0, ROLES_EVAL},
	{"GET", V1 "/eval/rounds/{id}/stations/{code}", h_eval_station, 0, ROLES_EVAL},
	{"POST", V1 "/eval/rounds/{id}/stations/{code}/self", h_eval_self, 0,
	 ROLES_OFFICE | RB(MS_ROLE_STATION_HEAD)},
	{"POST", V1 "/eval/rounds/{id}/stations/{code}/score", h_eval_score, 0,
	 RB(MS_ROLE_ADMIN) | RB(MS_ROLE_EVALUATOR)},

	/* operations (docs/operations.md): printed forms, the monthly report,
	 * the outbound webhook */
	{"GET", V1 "/alerts/{id}/print.pdf", h_alert_print, R_TXN, ROLES_CASE},
	{"GET", V1 "/households/{id}/print.pdf", h_household_print, R_TXN, ROLES_CASE},
	{"GET", V1 "/reports/monthly", h_report_monthly, 0, ROLES_OFFICE},
	{"GET", V1 "/webhooks", h_webhooks_list, 0, RB(MS_ROLE_ADMIN)},
	{"POST", V1 "/webhooks", h_webhooks_add, 0, RB(MS_ROLE_ADMIN)},
	{"DELETE", V1 "/webhooks/{id}", h_webhook_remove, 0, RB(MS_ROLE_ADMIN)},
	{"GET", V1 "/webhooks/deliveries", h_webhook_deliveries, 0, RB(MS_ROLE_ADMIN)},

	/* the access log */
	{"GET", V1 "/audit", h_audit_list, 0, RB(MS_ROLE_AUDITOR)},
	{"GET", V1 "/audit/verify", h_audit_verify, 0, RB(MS_ROLE_AUDITOR)},
};

const size_t http_nroutes = sizeof http_routes / sizeof http_routes[0];
