// Runs one interception library call and prints its outcome as JSON. Tests start it inside a
// network namespace of their own, because the library changes the namespace it runs in.
import {
  applyInterception,
  cleanInterception,
  InterceptionError,
  type InterceptionSpec,
  type IptablesOptions,
  showInterception,
  updateServiceCidrs,
} from '../../src/intercept/index.js';

const { fn, spec, opts } = JSON.parse(process.argv[2]!) as {
  fn: 'apply' | 'update' | 'show' | 'clean';
  spec?: InterceptionSpec;
  opts?: IptablesOptions;
};
const log: string[] = [];
const options: IptablesOptions = { ...opts, log: (line) => log.push(line) };
try {
  const result =
    fn === 'apply'
      ? await applyInterception(spec!, options)
      : fn === 'update'
        ? await updateServiceCidrs(spec!, options)
        : fn === 'show'
          ? await showInterception(options)
          : await cleanInterception(options);
  process.stdout.write(JSON.stringify({ ok: true, result, log }));
} catch (err) {
  if (!(err instanceof InterceptionError)) throw err;
  process.stdout.write(
    JSON.stringify({
      ok: false,
      code: err.code,
      message: err.message,
      fix: err.fix,
      problems: err.problems,
      log,
    }),
  );
}
