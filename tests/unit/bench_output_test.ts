import assert from "node:assert/strict";
import { resolveOutputPath } from "../../bench/output_path.ts";

Deno.test("bench --json: an absolute path as given, a relative one from the working directory", () => {
  assert.equal(resolveOutputPath("/tmp/run.json", "/work/owp"), "/tmp/run.json");
  assert.equal(resolveOutputPath("/tmp/../var/run.json", "/work/owp"), "/var/run.json");
  assert.equal(
    resolveOutputPath("bench/results/latest.json", "/work/owp"),
    "/work/owp/bench/results/latest.json",
  );
  assert.equal(resolveOutputPath("./x.json", "/work/owp"), "/work/owp/x.json");
  assert.equal(resolveOutputPath("../x.json", "/work/owp"), "/work/x.json");
  // Characters a file URL would have read as syntax are plain characters in a path.
  assert.equal(resolveOutputPath("runs/#1 100%.json", "/work/owp"), "/work/owp/runs/#1 100%.json");
});
