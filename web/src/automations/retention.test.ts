import { describe, expect, it } from "vitest";
import type { ApiError } from "../api/client";
import { fileSize } from "../format";
import {
  adminReason,
  buildRetentionBody,
  describeKept,
  describePolicy,
  describeRun,
  describeSweep,
  describeTotals,
  draftOf,
  examplesCaption,
  previewFigures,
  previewSummary,
  retentionErrorsFromApi,
  sameRules,
  sweepQuestion,
  type RetentionPreview,
} from "./retention";

const apiError = (message: string, details: Record<string, unknown>): ApiError => ({ error: { code: "invalid_argument", message, details } });

const none = { max_age_days: null, keep_last: null };
const freed = (executions: number, bytes: number) => ({ executions, steps: executions * 3, events: executions * 7, artifacts: executions, blobs: executions, bytes });

function preview(over: Partial<RetentionPreview> = {}): RetentionPreview {
  return { executions: 0, sub_executions: 0, steps: 0, events: 0, artifacts: 0, blobs: 0, bytes: 0, examples: [], truncated: false, ...over };
}

const example = (id: string) => ({ id, template_id: "tpl_1", status: "completed" as const, finished_at: "2026-11-01T08:00:00.000Z" });

describe("draftOf", () => {
  it("ticks the rules a policy has, and offers a month or twenty runs for the others", () => {
    expect(draftOf(null)).toEqual({ ageOn: false, age: "30", keepOn: false, keep: "20" });
    expect(draftOf(none)).toEqual({ ageOn: false, age: "30", keepOn: false, keep: "20" });
    expect(draftOf({ max_age_days: 90, keep_last: null })).toEqual({ ageOn: true, age: "90", keepOn: false, keep: "20" });
    expect(draftOf({ max_age_days: null, keep_last: 5 })).toEqual({ ageOn: false, age: "30", keepOn: true, keep: "5" });
  });
});

describe("buildRetentionBody", () => {
  it("sends both rules, null when off (an empty body would preview the saved policy)", () => {
    expect(buildRetentionBody({ ageOn: true, age: " 30 ", keepOn: true, keep: "20" }).body).toEqual({ max_age_days: 30, keep_last: 20 });
    expect(buildRetentionBody({ ageOn: false, age: "30", keepOn: true, keep: "1" }).body).toEqual({ max_age_days: null, keep_last: 1 });
    expect(buildRetentionBody({ ageOn: false, age: "junk", keepOn: false, keep: "" }).body).toEqual(none);
  });

  it("names what cannot be sent, with the server's ranges", () => {
    const check = (age: string, keep: string) => buildRetentionBody({ ageOn: true, age, keepOn: true, keep });
    let r = check("", "abc");
    expect(r.body).toBeNull();
    expect(r.errors.fields["max_age_days"]).toBe("Give a number of days, from 1 to 36,500, or untick the rule");
    expect(r.errors.fields["keep_last"]).toBe("“abc” is not a whole number of runs (from 1 to 1,000,000)");
    r = check("3.5", "-2");
    expect(r.errors.fields["max_age_days"]).toBe("“3.5” is not a whole number of days (from 1 to 36,500)");
    expect(r.errors.fields["keep_last"]).toBe("“-2” is not a whole number of runs (from 1 to 1,000,000)");
    r = check("0", "0");
    expect(r.errors.fields["max_age_days"]).toBe("At least 1 day: untick the rule to have none");
    expect(r.errors.fields["keep_last"]).toBe("At least 1 run: untick the rule to have none");
    r = check("36501", "1000001");
    expect(r.errors.fields["max_age_days"]).toBe("At most 36,500 days");
    expect(r.errors.fields["keep_last"]).toBe("At most 1,000,000 runs");
    r = check("36500", "1000000");
    expect(r.errors.fields).toEqual({});
    expect(r.body).toEqual({ max_age_days: 36500, keep_last: 1000000 });
  });
});

describe("retentionErrorsFromApi", () => {
  it("puts the server's refusal next to the rule it names, and the rest above the buttons", () => {
    const e = retentionErrorsFromApi(apiError("field 'keep_last': must be an integer from 1 to 1000000, or null for no such rule; got 0", { field: "keep_last" }), "failed");
    expect(e.fields).toEqual({ keep_last: "must be an integer from 1 to 1000000, or null for no such rule; got 0" });
    const other = retentionErrorsFromApi(apiError("this requires the admin role; your key has editor", { required_role: "admin", role: "editor" }), "failed");
    expect(other.fields).toEqual({});
    expect(other.other).toEqual(["this requires the admin role; your key has editor"]);
  });
});

describe("describePolicy", () => {
  it("says the policy in one sentence", () => {
    expect(describePolicy(none)).toBe("Keeps everything");
    expect(describePolicy({ max_age_days: 30, keep_last: 20 })).toBe("Deletes finished runs older than 30 days, but keeps the newest 20 of each template");
    expect(describePolicy({ max_age_days: 1, keep_last: 1 })).toBe("Deletes finished runs older than 1 day, but keeps the newest one of each template");
    expect(describePolicy({ max_age_days: 365, keep_last: null })).toBe("Deletes finished runs older than 365 days");
    expect(describePolicy({ max_age_days: null, keep_last: 1500 })).toBe("Keeps the newest 1,500 finished runs of each template and deletes the older ones");
    expect(describePolicy({ max_age_days: null, keep_last: 1 })).toBe("Keeps the newest finished run of each template and deletes the older ones");
  });

  it("tells the same rules apart from others", () => {
    expect(sameRules({ max_age_days: 30, keep_last: null }, { max_age_days: 30, keep_last: null })).toBe(true);
    expect(sameRules({ max_age_days: 30, keep_last: null }, { max_age_days: 30, keep_last: 1 })).toBe(false);
  });
});

describe("previews", () => {
  it("says what would go now, runs apart from their sub-runs, and the space freed", () => {
    expect(previewSummary(preview(), none)).toBe("Nothing would be deleted: this policy keeps everything.");
    expect(previewSummary(preview(), { max_age_days: 30, keep_last: null })).toBe("Nothing would be deleted now: every finished run is within this policy.");
    expect(previewSummary(preview({ executions: 2, bytes: 5962 }), { max_age_days: null, keep_last: 1 })).toBe("Would delete 2 runs now, freeing 5.8 KB.");
    expect(previewSummary(preview({ executions: 449, sub_executions: 37, bytes: 734003200 }), { max_age_days: 30, keep_last: 20 })).toBe(
      "Would delete 412 runs (and 37 sub-runs) now, freeing 700.0 MB.",
    );
    expect(previewSummary(preview({ executions: 10001, sub_executions: 1, bytes: 1, truncated: true }), { max_age_days: 1, keep_last: null })).toBe(
      "Would delete at least 10,000 runs (and 1 sub-run) now, freeing 1 B.",
    );
  });

  it("lists its figures", () => {
    const figures = previewFigures(preview({ executions: 3, sub_executions: 1, steps: 9, events: 1200, artifacts: 4, blobs: 1, bytes: 2048 }));
    expect(figures).toEqual([
      { label: "Runs", value: "2" },
      { label: "Sub-runs", value: "1" },
      { label: "Steps", value: "9" },
      { label: "Events", value: "1,200" },
      { label: "Files", value: "4" },
      { label: "Space freed", value: "2.0 KB (1 stored file)" },
    ]);
  });

  it("says whether the examples are all the runs that would go", () => {
    expect(examplesCaption(preview({ executions: 1, examples: [example("ex_1")] }))).toBe("The run that would go");
    expect(examplesCaption(preview({ executions: 2, examples: [example("ex_1"), example("ex_2")] }))).toBe("The 2 runs that would go, oldest first");
    expect(examplesCaption(preview({ executions: 412, examples: [example("ex_1")] }))).toBe("The oldest 1 of 412 that would go");
    expect(examplesCaption(preview({ executions: 10000, examples: [example("ex_1")], truncated: true }))).toBe("The oldest 1 of more than 10,000 that would go");
  });

  it("asks before a sweep with what the saved policy lets go", () => {
    expect(sweepQuestion(preview({ executions: 3, sub_executions: 1, bytes: 4096 }))).toBe("Delete 2 runs (and 1 sub-run) now, freeing 4.0 KB? They cannot be brought back.");
    expect(sweepQuestion(preview())).toBe("The saved policy lets nothing go now. Sweep anyway?");
  });
});

describe("sweeps", () => {
  it("says what a sweep deleted, what stayed and why, and when it stopped early", () => {
    expect(describeSweep({ deleted: 2, kept: {}, freed: freed(2, 5962), complete: true })).toBe("Deleted 2 runs, freeing 5.8 KB.");
    expect(describeSweep({ deleted: 1, kept: {}, freed: freed(3, 0), complete: true })).toBe("Deleted 1 run (and 2 sub-runs), freeing 0 B.");
    expect(describeSweep({ deleted: 0, kept: {}, freed: freed(0, 0), complete: true })).toBe("Nothing to delete: every finished run is within the saved policy.");
    expect(describeSweep({ deleted: 0, kept: { notifying: 1 }, freed: freed(0, 0), complete: true })).toBe(
      "Deleted nothing. 1 run stays for now (1 because a notification is pending): a later sweep deletes it.",
    );
    expect(describeSweep({ deleted: 5000, kept: {}, freed: freed(5000, 0), complete: false })).toBe(
      "Deleted 5,000 runs, freeing 0 B. It stopped before the end (a sweep deletes at most 5,000 runs): the next one goes on.",
    );
  });

  it("names why runs the policy selected stay", () => {
    expect(describeKept({})).toBe("");
    expect(describeKept({ unfinished: 1, unread: 2, other: 0 })).toBe(
      "3 runs stay for now (1 because a sub-run has not finished, 2 because the notifier has not read its events yet): a later sweep deletes them.",
    );
    expect(describeKept({ something_new: 1 })).toContain("1 because something_new");
  });

  it("says which stored files Sweep now removed at once", () => {
    const base = { deleted: 2, kept: {}, freed: freed(2, 5962), complete: true };
    expect(describeRun({ ...base, blobs_removed: 0, bytes_removed: 0 })).toBe(
      "Deleted 2 runs, freeing 5.8 KB. Removed from storage now: 0 B; files stored within the last hour are removed by a later sweep.",
    );
    expect(describeRun({ ...base, blobs_removed: 2, bytes_removed: 5962 })).toBe("Deleted 2 runs, freeing 5.8 KB. 2 stored files (5.8 KB) removed from storage.");
    expect(describeRun({ deleted: 0, kept: {}, freed: freed(0, 0), complete: true, blobs_removed: 0, bytes_removed: 0 })).toBe(
      "Nothing to delete: every finished run is within the saved policy.",
    );
  });

  it("adds up what sweeps deleted so far", () => {
    expect(describeTotals({ executions: 0, bytes: 0 })).toBe("Nothing yet");
    expect(describeTotals({ executions: 1, bytes: 1536 })).toBe("1 run, 1.5 KB");
    expect(describeTotals({ executions: 12345, bytes: 3 * 1024 ** 3 })).toBe("12,345 runs, 3.0 GB");
  });
});

describe("adminReason", () => {
  it("explains why other keys cannot save or sweep", () => {
    expect(adminReason("admin")).toBeUndefined();
    expect(adminReason("editor")).toBe("Saving the policy and sweeping need the admin role; your key has editor");
  });
});

describe("fileSize", () => {
  it("reads bytes in units of 1024", () => {
    expect(fileSize(0)).toBe("0 B");
    expect(fileSize(1023)).toBe("1023 B");
    expect(fileSize(1536)).toBe("1.5 KB");
    expect(fileSize(12.3 * 1024 * 1024)).toBe("12.3 MB");
    expect(fileSize(2 * 1024 ** 3)).toBe("2.0 GB");
    expect(fileSize(5 * 1024 ** 4)).toBe("5.0 TB");
  });
});
