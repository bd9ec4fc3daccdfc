import { describe, expect, it } from "vitest";
import { buildScheduleBody, describeWhen, emptyDraft, fromNow, intervalText, knownTimeZones, localToIso, type ScheduleDraft } from "./schedules";

const specs = {
  product: { type: "string" as const, required: true },
  hashtags: { type: "integer" as const, default: 5 },
};

const draft = (change: Partial<ScheduleDraft>): ScheduleDraft => ({ ...emptyDraft("Europe/Paris"), name: "monday post", template: "Instagram post", ...change });

describe("describeWhen", () => {
  it("a cron expression with its time zone (UTC when none)", () => {
    expect(describeWhen({ cron: "0 9 * * mon", time_zone: "Europe/Paris", every_seconds: null })).toBe("cron 0 9 * * mon (Europe/Paris)");
    expect(describeWhen({ cron: "@daily", time_zone: null, every_seconds: null })).toBe("cron @daily (UTC)");
  });
  it("an interval in seconds, and in a larger unit when one divides it", () => {
    expect(describeWhen({ cron: null, time_zone: null, every_seconds: 3600 })).toBe("every 3600 s (1 h)");
    expect(describeWhen({ cron: null, time_zone: null, every_seconds: 45 })).toBe("every 45 s");
    expect(intervalText(5400)).toBe("90 min");
    expect(intervalText(172800)).toBe("2 d");
  });
});

describe("fromNow", () => {
  const now = Date.parse("2026-12-05T08:00:00.000Z");
  it("says how far a due time is", () => {
    expect(fromNow("2026-12-05T08:00:30.000Z", now)).toBe("in 30 s");
    expect(fromNow("2026-12-05T08:59:00.000Z", now)).toBe("in 59 min");
    expect(fromNow("2026-12-05T10:05:00.000Z", now)).toBe("in 2 h 5 min");
    expect(fromNow("2026-12-05T11:00:00.000Z", now)).toBe("in 3 h");
    expect(fromNow("2026-12-08T12:00:00.000Z", now)).toBe("in 3 d 4 h");
    expect(fromNow("2026-12-05T07:59:00.000Z", now)).toBe("due now");
    expect(fromNow(null, now)).toBe("");
  });
});

describe("buildScheduleBody", () => {
  it("a cron schedule: the expression tidied, the time zone, the typed inputs (empty ones left to the defaults)", () => {
    const { body, errors } = buildScheduleBody(draft({ cron: " 0  9 * *   mon " }), specs, { product: "oat milk", hashtags: "" });
    expect(errors).toEqual({ fields: {}, inputs: {}, other: [] });
    expect(body).toEqual({
      name: "monday post",
      template: "Instagram post",
      inputs: { product: "oat milk" },
      catch_up: "run_once",
      cron: "0 9 * * mon",
      time_zone: "Europe/Paris",
    });
  });

  it("an empty time zone is left to the server (UTC)", () => {
    const { body } = buildScheduleBody(draft({ cron: "@hourly", timeZone: " " }), specs, { product: "x" });
    expect(body?.time_zone).toBeUndefined();
  });

  it("an interval, with a first run in local time sent as UTC, and no cron", () => {
    const { body } = buildScheduleBody(draft({ timing: "every", every: "3600", startAt: "2026-12-07T09:00", catchUp: "skip", cron: "0 9 * * *" }), specs, {
      product: "kefir",
      hashtags: "3",
    });
    expect(body).toEqual({
      name: "monday post",
      template: "Instagram post",
      inputs: { product: "kefir", hashtags: 3 },
      catch_up: "skip",
      every_seconds: 3600,
      start_at: new Date(2026, 11, 7, 9, 0).toISOString(),
    });
  });

  it("names every field that cannot be sent", () => {
    const { body, errors } = buildScheduleBody(draft({ name: " ", template: "", cron: "" }), specs, { hashtags: "many" });
    expect(body).toBeNull();
    expect(Object.keys(errors.fields).sort()).toEqual(["cron", "name", "template"]);
    expect(errors.inputs).toEqual({ product: "is required", hashtags: "must be a whole number" });
  });

  it("refuses an interval out of the API's range or not whole, and a first run that is no time", () => {
    for (const every of ["0", "1.5", "-3", "31622401", "soon", ""]) {
      const { body, errors } = buildScheduleBody(draft({ timing: "every", every }), specs, { product: "x" });
      expect(body, every).toBeNull();
      expect(errors.fields["every_seconds"], every).toMatch(/whole number of seconds/);
    }
    expect(buildScheduleBody(draft({ timing: "every", every: "31622400" }), specs, { product: "x" }).body?.every_seconds).toBe(31622400);
    expect(buildScheduleBody(draft({ timing: "every", startAt: "tomorrow" }), specs, { product: "x" }).errors.fields["start_at"]).toBeTruthy();
    expect(localToIso("2026-13-45T99:00")).toBeNull();
  });

  it("offers the browser's time zones, UTC among them", () => {
    expect(knownTimeZones()).toContain("UTC");
  });
});
