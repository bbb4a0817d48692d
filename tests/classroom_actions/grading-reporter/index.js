// The decoding and the totals of autograding-grading-reporter@v1 (src/main.js and
// src/notify-classroom.js), without @actions/core: inputs come from INPUT_* variables,
// notices and failures are workflow commands, as core.notice and core.setFailed print them.
const fs = require("fs");

function getInput(name) {
  return (process.env[`INPUT_${name.replace(/ /g, "_").toUpperCase()}`] || "").trim();
}

function escapeData(s) {
  return String(s).replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

function notice(message, title) {
  console.log(`::notice title=${title}::${escapeData(message)}`);
}

function setFailed(message) {
  process.exitCode = 1;
  console.log(`::error::${escapeData(message)}`);
}

const report = { runners: getInput("runners"), received: {}, totalPoints: null, maxPoints: null, failed: null };
try {
  const runnerResults = getInput("runners")
    .split(",")
    .map((runner) => {
      const encodedResults = process.env[`${runner.trim().toUpperCase()}_RESULTS`];
      const json = Buffer.from(encodedResults, "base64").toString("utf-8");
      report.received[runner] = JSON.parse(json);
      return { runner, results: JSON.parse(json) };
    });

  // NotifyClassroom: runners without a max_score are skipped; the points are every test's score.
  const { totalPoints, maxPoints } = runnerResults.reduce(
    (acc, { results }) => {
      if (!results.max_score) return acc;
      acc.maxPoints += results.max_score;
      results.tests.forEach(({ score }) => {
        acc.totalPoints += score;
      });
      return acc;
    },
    { totalPoints: 0, maxPoints: 0 }
  );
  if (maxPoints) {
    report.totalPoints = totalPoints;
    report.maxPoints = maxPoints;
    notice(`Points ${totalPoints}/${maxPoints}`, "Autograding complete");
    notice(JSON.stringify({ totalPoints, maxPoints }), "Autograding report");
  }

  if (runnerResults.some((r) => r.results.status === "fail")) {
    report.failed = "Some tests failed.";
  } else if (runnerResults.some((r) => r.results.status === "error")) {
    report.failed = "Some tests errored.";
  }
} catch (error) {
  report.failed = error.message;
}
fs.writeFileSync(process.env.STANDIN_REPORT, JSON.stringify(report, null, 2));
if (report.failed) setFailed(report.failed);
