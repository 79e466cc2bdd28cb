// Reads JSON lines {"query": {...}, "documents": [...]} on stdin; for each line prints
// {"verdicts": [true, false, ...]} (mingo's answer per document) or {"error": "..."}.
// The second opinion for tests/differential/test_mingo.py.
"use strict";
const readline = require("readline");
const { Query } = require("mingo");

const rl = readline.createInterface({ input: process.stdin, terminal: false });
rl.on("line", (line) => {
  let out;
  try {
    const { query, documents } = JSON.parse(line);
    const q = new Query(query);
    out = { verdicts: documents.map((d) => q.test(d)) };
  } catch (e) {
    out = { error: String(e && e.message ? e.message : e) };
  }
  process.stdout.write(JSON.stringify(out) + "\n");
});
