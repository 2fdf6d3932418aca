/**
 * Self time per function in a V8 .cpuprofile (from `deno task bench --cpu-prof DIR`):
 * `deno run --allow-read bench/profile_summary.ts FILE [TOP] [FROM_S] [TO_S]`. FROM_S and TO_S
 * keep only the samples that far into the profile (seconds), so the measured window can be told
 * apart from ramp-up and closing, which cost differently.
 */
interface ProfileNode {
  readonly id: number;
  readonly callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  readonly nodes: ProfileNode[];
  readonly samples: number[];
  readonly timeDeltas: number[];
}

export function selfTimes(profile: Profile, fromS = 0, toS = Infinity): Map<string, number> {
  const names = new Map<number, string>();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const file = url.split("/").slice(-2).join("/");
    names.set(node.id, `${functionName || "(anonymous)"} ${file}:${lineNumber + 1}`);
  }
  const totals = new Map<string, number>();
  let at = 0;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    if (at < fromS * 1e6 || at > toS * 1e6) return;
    const name = names.get(id) ?? "?";
    totals.set(name, (totals.get(name) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  return totals;
}

if (import.meta.main) {
  const [file, top = "25", from = "0", to = "Infinity"] = Deno.args;
  if (!file) throw new Error("usage: profile_summary.ts FILE.cpuprofile [TOP] [FROM_S] [TO_S]");
  const totals = selfTimes(JSON.parse(await Deno.readTextFile(file)), Number(from), Number(to));
  const all = [...totals.values()].reduce((a, b) => a + b, 0);
  const busy = [...totals.entries()].filter(([name]) => !name.startsWith("(idle)"));
  const busyTotal = busy.reduce((a, [, v]) => a + v, 0);
  console.log(`profile ${(all / 1e6).toFixed(1)} s, busy ${(busyTotal / 1e6).toFixed(2)} s`);
  for (const [name, micros] of busy.sort((a, b) => b[1] - a[1]).slice(0, Number(top))) {
    console.log(
      `${(micros / 1e3).toFixed(0).padStart(8)} ms ${
        ((micros / busyTotal) * 100).toFixed(1).padStart(5)
      }%  ${name}`,
    );
  }
}
