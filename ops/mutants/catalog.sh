# Curated mutants for ops/mutants.sh (sourced by it). Each is one small
# change, given as a sed expression applied to one file of a copy of the
# source tree, with the targets to rebuild and the ctest -R filter of the tests
# that must kill it:
#
#   mutant NAME FILE SED_EXPRESSION TARGETS TEST_REGEX  "what the mutant breaks"
#
# The expression must change at least one line, or the catalog is stale and
# the run fails. Keep each filter narrow: it is run once per mutant.

core_engine=core_engine_test
core_domain=core_domain_test

# ---- hash chain and verification -------------------------------------------------
mutant verify-prev-hash engine/core/log_check.cc \
  '/prev_hash does not match the previous event/s/if (e.prev_hash != hash)/if (false)/' \
  "$core_engine" '^EngineTest\.Verify' \
  "Verify without its prev_hash chain check"
mutant verify-seq engine/core/log_check.cc \
  's/^    if (e.stream_seq != seq + 1) report/    if (false) report/' \
  "$core_engine" '^EngineTest\.Verify' \
  "Verify without its stream seq check"
mutant verify-own-hash engine/core/log_check.cc \
  's/^    if (schemas::ComputeHash(e) != e.hash) report/    if (false) report/' \
  "$core_engine" '^EngineTest\.Verify' \
  "Verify without the check of each event's own hash"
mutant submit-prev-hash engine/core/commit.cc \
  's/^  e.prev_hash = prev;$/  e.prev_hash = "";/' \
  "$core_engine" '^EngineTest\.AnAcceptedCommand' \
  "new events not chained to the previous event of their stream"
mutant event-id-ignores-index schemas/src/hash.cc \
  's/^  in += std::to_string(index);$/  in += "0";/' \
  schemas_test '^CodecTest\.' \
  "every event of a command gets the same derived id"

# ---- AppendExternal: forks, gaps, forgeries, dedupe ------------------------------
mutant append-external-fork engine/core/append_external.cc \
  's/if (e.stream_seq != version + 1 || e.prev_hash != last_hash)/if (e.stream_seq != version + 1)/' \
  "$core_engine" '^AppendExternalTest\.' \
  "AppendExternal takes the next seq of a forked stream (prev_hash not checked)"
mutant append-external-gap engine/core/append_external.cc \
  's/if (e.stream_seq != version + 1 || e.prev_hash != last_hash)/if (e.prev_hash != last_hash)/' \
  "$core_engine" '^AppendExternalTest\.' \
  "AppendExternal does not check the stream seq"
mutant append-external-own-hash engine/core/append_external.cc \
  's/^  if (schemas::ComputeHash(e) != e.hash)$/  if (false)/' \
  "$core_engine" '^AppendExternalTest\.' \
  "AppendExternal takes an event whose bytes do not match its hash"
mutant append-external-dedupe engine/core/append_external.cc \
  's/^  if (!seen) return false;$/  return false;/' \
  "$core_engine" '^AppendExternalTest\.' \
  "AppendExternal applies a redelivered event again (no dedupe by event id)"

# ---- idempotency ---------------------------------------------------------------------
mutant idempotency-stored engine/core/commit.cc \
  's/^  if (seen_before.count(c.command_id)) {$/  if (false) {/' \
  "$core_engine" '^EngineTest\.A(Repeated|Reopened)' \
  "a command id seen before is decided again"
mutant idempotency-in-batch engine/core/commit.cc \
  's/timer_commands ? in_batch.end() : in_batch.find(c.command_id)/in_batch.end()/' \
  "$core_engine" '^(EngineTest|EngineTimersTest)\.' \
  "a command id repeated inside one batch is decided twice"

# ---- roles and rejection reasons -------------------------------------------------------
mutant role-check engine/core/decider.h \
  's/^    if (c_.actor.role == want) return Status::Ok();$/    return Status::Ok();/' \
  "$core_domain" '^DomainTest\.' \
  "any role may take any step"
mutant not-assignee engine/core/decider.h \
  's/^    if (c_.actor.id != unit)$/    if (false)/' \
  "$core_domain" '^DomainTest\.' \
  "a unit may act on another unit's assignment"
mutant version-conflict engine/core/decider.h \
  's/if (c_.expected_version && \*c_.expected_version != s_.version)/if (false)/' \
  "$core_domain" '^DomainTest\.' \
  "a command's expected plan version is not checked"
mutant plan-exists-reason engine/core/decide.cc \
  's/return Refuse(reason::kPlanExists,/return Refuse(reason::kInvalidArgument,/' \
  "$core_domain" '^DomainTest\.' \
  "a second import of a plan is refused with the wrong reason code"
mutant role-for-step engine/core/decider.h \
  's/^    if (std::find(t->roles.begin(), t->roles.end(), role) != t->roles.end()) return Status::Ok();$/    return Status::Ok();/' \
  "$core_domain" '^(DomainTest|LifecycleTest)\.' \
  "any role may take any step of the lifecycle"
mutant state-for-step engine/core/decider.h \
  's/^    if (t \&\& std::find(t->from.begin(), t->from.end(), state) != t->from.end()) return Status::Ok();$/    return Status::Ok();/' \
  "$core_domain" '^(DomainTest|LifecycleTest)\.' \
  "a lifecycle step may start from any state"
# The lifecycle's states are data (decide consults the definition).
mutant approve-unsubmitted workflows/definitions/default.yaml \
  's/{action: approve,           from: \[submitted\]/{action: approve,           from: [submitted, in_progress]/' \
  "$core_domain" '^DomainTest\.' \
  "the office may approve work that was never submitted"
mutant extension-to-same-day engine/core/decide.cc \
  's/b.new_due_on <= (\*a)->due_on/b.new_due_on < (*a)->due_on/' \
  "$core_domain" '^DomainTest\.' \
  "RequestExtension accepts an extension to the unchanged due date"

# ---- calendar notices --------------------------------------------------------------------
mutant notice-recount-skipped engine/core/calendar_notices.cc \
  's/^  if (!provisional \&\& old_days == new_days \&\& SameTimers(old, next.TimersFor(s, a))) return std::nullopt;$/  return std::nullopt;/' \
  workflow_engine_test '^WorkflowEngineTest\.ANotice' \
  "a recorded calendar notice recounts no open deadline"
mutant notice-not-loaded-at-open engine/core/engine_open.cc \
  's/^  if (Status st = impl->LoadCalendar(); !st.ok()) return st;$/  \/\/ no notices loaded/' \
  workflow_engine_test '^WorkflowEngineTest\.ANotice' \
  "a store's recorded calendar notices are forgotten when it is opened again"
# ---- two times ---------------------------------------------------------------------------
mutant unit-may-backdate engine/core/decide.cc \
  's/    if (earlier)$/    if (false)/' \
  "$core_domain" '^(DomainTest|TwoTimesTest)\.' \
  "a unit's claimed time is not held to the engine's clock"
mutant back-entry-without-reason engine/core/decide.cc \
  's/return Refuse(reason::kBackEntryNeedsReason,/return Status::Ok(); (void)(/' \
  "$core_domain" '^(DomainTest|TwoTimesTest)\.' \
  "the office back-enters a record without saying why"

# ---- as-of -----------------------------------------------------------------------------
mutant plan-as-of-exclusive engine/core/log_reads.cc \
  's/if (until && t > \*until) continue;/if (until \&\& t >= *until) continue;/' \
  "$core_engine" '^EngineTest\.PlanAsOf' \
  "PlanAsOf leaves out events that happened at the instant asked for"
mutant calendar-as-of-exclusive workflows/src/calendar.cc \
  's/const bool apply = as_of.empty() || version <= as_of;/const bool apply = as_of.empty() || version < as_of;/' \
  'workflows_test calendar_days' '^(WorkCalendar|workflows_calendar)' \
  "the calendar as of a version leaves out that version's own notice"

# ---- working-day arithmetic --------------------------------------------------------------
mutant calendar-adjusted-workdays workflows/src/calendar.cc \
  's/^  if (extra_workdays_.count(day)) return true;$/  if (false) return true;/' \
  'workflows_test calendar_days' '^(WorkCalendar|workflows_calendar)' \
  "adjusted working weekends (调休) count as rest days"
mutant calendar-holidays workflows/src/calendar.cc \
  's/^  if (holidays_.count(day)) return false;$/  if (false) return false;/' \
  'workflows_test calendar_days' '^(WorkCalendar|workflows_calendar)' \
  "public holidays count as working days"
mutant calendar-add-off-by-one workflows/src/calendar.cc \
  '/^Result<Date> WorkCalendar::AddWorkingDays/,/^}/s/if (\*w \&\& --left == 0) return d;/if (*w \&\& left-- == 0) return d;/' \
  'workflows_test calendar_days' '^(WorkCalendar|workflows_calendar)' \
  "adding n working days gives the (n+1)-th"
mutant calendar-subtract-off-by-one workflows/src/calendar.cc \
  '/^Result<Date> WorkCalendar::SubtractWorkingDays/,/^}/s/if (\*w \&\& --left == 0) return d;/if (*w \&\& left-- == 0) return d;/' \
  'workflows_test calendar_days' '^(WorkCalendar|workflows_calendar)' \
  "subtracting n working days gives the (n+1)-th before"
mutant effective-due-unmoved workflows/src/calendar.cc \
  's/^Result<Date> WorkCalendar::EffectiveDue(Date due) const { return AddWorkingDays(due, 0); }$/Result<Date> WorkCalendar::EffectiveDue(Date due) const { return due; }/' \
  workflows_test '^(WorkCalendar|PlanDeadlineTimers)\.' \
  "a due date on a rest day is not moved to the next working day"
mutant missed-on-calendar-day workflows/src/timer_plan.cc \
  's/auto missed = cal.AddWorkingDays(effective_due, 1);/auto missed = Result<Date>(effective_due.AddDays(1));/' \
  workflows_test '^PlanDeadlineTimers\.' \
  "the missed timer fires the next calendar day, not the next working day"
mutant escalation-from-missed workflows/src/timer_plan.cc \
  's/: cal.AddWorkingDays(prev, step.delay_working_days);/: cal.AddWorkingDays(*missed, step.delay_working_days);/' \
  workflows_test '^PlanDeadlineTimers\.' \
  "each escalation step counts from the miss instead of from the step before"

# ---- importer roles ---------------------------------------------------------------------------
mutant importer-peihe-lead engine/plan_import/units.cc \
  's/{"配合", UnitRole::kResponsible}/{"配合", UnitRole::kLead}/' \
  plan_import_test '^PlanParser\.' \
  "the importer maps 配合 (supporting unit) to the lead role"
mutant importer-qiantou-responsible engine/plan_import/units.cc \
  's/{"牵头", UnitRole::kLead}/{"牵头", UnitRole::kResponsible}/' \
  plan_import_test '^PlanParser\.' \
  "the importer maps 牵头 (lead) to the responsible role"
mutant importer-peihe-column-lead engine/plan_import/plan_reading.cc \
  's/{"配合单位", Kind::kResponsible}/{"配合单位", Kind::kLead}/' \
  plan_import_test '^PlanParser\.' \
  "a 配合单位 (supporting units) column is read as the lead units"

# ---- the store: durability, damage, limits ------------------------------------------
mutant record-limit engine/core/commit.cc \
  's/biggest > size_t{kMaxFramePayload} + 8) {/false) {/' \
  "$core_engine" '^RecordLimitTest\.' \
  "a command whose record exceeds the frame limit is written (and its readers refuse the log)"
mutant damaged-store-looks-empty engine/core/store_dir.cc \
  's/r.detail = "RocksDB.s CURRENT file is missing, so the store cannot say which of its files are live";/r.kind = Kind::kEmpty; return r;/' \
  "$core_engine" '^Rows/DamagedStoreTest\.' \
  "a store whose CURRENT is lost is taken for an empty directory (and a new store is created over it)"
mutant sync-off-by-default engine/include/duban/engine.h \
  's/^  bool sync = true;$/  bool sync = false;/' \
  "$core_engine" '^PowerCutTest\.Synced' \
  "commits are acknowledged before they are fsynced (a power cut loses them)"
mutant files-pile-up engine/core/store_open.cc \
  's/if (db->GetSortedWalFiles(wals).ok() \&\& wals.size() > kMaxLiveWals) {/if (false) {/' \
  "$core_engine" '^StoreFilesTest\.' \
  "a writer never flushes its WALs nor merges small files, so short processes pile up files"
