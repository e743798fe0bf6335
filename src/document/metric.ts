/**
 * `:metric{model=a name=params}`: one formatted number inline in prose, with its unit (`11.69 M`),
 * formatted by the same policy as tables. `input=` picks a point of a sweeping model; `scale=` and
 * `unit=false` adjust the display; the provenance goes into the page (title) and data.json.
 */
import type { Root } from 'mdast';
import type { VFile } from 'vfile';
import { h } from 'hastscript';
import { CONVENTIONS } from '../analysis/types.js';
import { formatInline, resolveFormat } from '../render/format.js';
import { isImageInput, isMetricName, metricLabel, metricSpec, SCALES_BY_KIND } from '../render/metrics.js';
import { METRIC_NAMES, type MetricName, type ScalePrefix } from '../render/types.js';
import { setOutput } from '../docmodel/output.js';
import { english, phrase } from '../i18n/index.js';
import {
  AttributeError,
  boolean,
  names,
  suggestion,
  type DirectiveNode,
  markHandled,
  oneOf,
  readAttributes,
  replaceWith,
  report,
  text,
  textDirectives,
  blockDirectives,
  attributeProblems,
} from './directive.js';
import { guarded, showError } from './error-box.js';
import { inputAttribute } from './model.js';
import { documentState, type DocumentState, type StateOptions, stateMessages } from './state.js';
import { benchAt, benchMarks, failureText, metricValues, MEASURED, profileOne, provenance } from './uses.js';

export const metricNameAttribute = (required = true) => ({
  description: english(phrase('attr.metric.name', { names: METRIC_NAMES.join(', ') })),
  said: phrase('attr.metric.name', { names: METRIC_NAMES.join(', ') }),
  required,
  parse(value: string): MetricName {
    if (!isMetricName(value))
      throw new AttributeError(
        phrase('diag.metric.unknown', { name: value, suggestion: suggestion(value, METRIC_NAMES), known: names(METRIC_NAMES) }),
        'unknown-metric',
      );
    return value;
  },
});

const metricAttributes = {
  model: text(phrase('attr.model'), true),
  name: metricNameAttribute(),
  input: inputAttribute,
  scale: oneOf('scale of the number: K, M, G, T (counts, bytes, rates) or us, ms, s (times)', ['', 'K', 'M', 'G', 'T', 'us', 'ms', 's', 'auto'] as const),
  unit: boolean('show the unit after the number (default true)'),
  convention: oneOf('counting convention', CONVENTIONS),
  machine: text("a measured metric from this machine's stored result (the results store's machine name); default this machine"),
};

export default function remarkModelpressMetrics(options: StateOptions = {}) {
  return async (tree: Root, file: VFile): Promise<void> => {
    const state = documentState(file, options);
    for (const node of blockDirectives(tree, 'metric')) {
      markHandled(node);
      report(file, node, phrase('diag.metric.inline'), 'bad-attribute');
      showError(node, file, phrase('diag.metric.inSentence'), 'bad-attribute');
    }
    for (const node of textDirectives(tree, 'metric')) {
      markHandled(node);
      await guarded(node, file, () => renderMetric(node, file, state));
    }
  };
}

async function renderMetric(node: DirectiveNode, file: VFile, state: DocumentState): Promise<void> {
  const { ok, values, problems } = readAttributes(node, file, metricAttributes);
  if (!ok || !values.model || !values.name) return showError(node, file, attributeProblems(problems), 'bad-attribute');
  const name = values.name;
  if (values.scale !== undefined && values.scale !== 'auto' && !SCALES_BY_KIND[metricSpec(name).kind].includes(values.scale as ScalePrefix)) {
    const allowed = SCALES_BY_KIND[metricSpec(name).kind].map((s) => (s === '' ? "''" : s)).join(', ');
    report(file, node, phrase('diag.metric.scale', { scale: values.scale, name, allowed }), 'bad-attribute', 'scale');
    return showError(node, file, phrase('diag.metric.badScale', { name }), 'bad-attribute');
  }
  const one = await profileOne(state, file, node, values.model, values.input, values.convention);
  if (!one) return;
  const { model, point, profile } = one;
  if (values.machine !== undefined && !MEASURED.includes(name)) {
    report(file, node, phrase('diag.metric.counted', { name, measured: names(MEASURED) }), 'bad-attribute', 'machine');
  }
  let stored;
  if (MEASURED.includes(name)) {
    const b = await benchAt(state, file, model, point, profile, node, values.machine);
    if (!b.bench) return showError(node, file, failureText(model, b.failure!), b.failure!.ruleId);
    stored = b.bench;
  }
  const value = metricValues([name], profile, stored, []).values[name] ?? null;
  const fmt = resolveFormat(state.settings.format, values.scale !== undefined ? { scale: { [name]: values.scale } } : undefined);
  const inline = formatInline(name, value, fmt, isImageInput(profile.inputs) ? 'img' : 'samples', stateMessages(state));
  const prov = provenance(state, model, point, profile, stored);
  const shown = values.unit === false ? inline.text : inline.withUnit;
  const msg = stateMessages(state);
  const bench = prov.benchmark
    ? msg.t('metric.titleBench', {
        machine: prov.benchmark.machine ? `${prov.benchmark.machine}: ` : '',
        cpu: prov.benchmark.cpuModel,
        batch: prov.benchmark.batch,
      })
    : '';
  const title = msg.t('metric.title', {
    model: model.label,
    metric: metricLabel(name, msg),
    value: value ?? 'n/a',
    source: prov.source,
    input: prov.input,
    convention: prov.convention,
    bench,
  });
  // An unstable measurement is never printed bare: a † whose title gives the 95% CI (the build warns too).
  const mark = stored && MEASURED.includes(name) ? benchMarks([name], stored, msg)?.[name] : undefined;
  let why: string | undefined;
  if (mark?.unstable) {
    const ci = mark.ci95
      ? formatInline(name, mark.ci95[0], fmt, isImageInput(profile.inputs) ? 'img' : 'samples').text +
        '–' +
        formatInline(name, mark.ci95[1], fmt, isImageInput(profile.inputs) ? 'img' : 'samples').withUnit
      : '';
    why = msg.t('metric.unstable', { reason: mark.reason ?? '', ci: ci ? msg.t('metric.ci', { range: ci }) : '' });
    replaceWith(
      node,
      h('span', { className: ['mp-metric', 'mp-unstable'], dataMetric: name, dataModel: model.id, title: `${title}; ${why}` }, [
        shown,
        h('sup', { className: 'mp-unstable-mark', title: why }, '†'),
      ]),
    );
  } else {
    replaceWith(node, h('span', { className: ['mp-metric'], dataMetric: name, dataModel: model.id, title }, shown));
  }
  const collected = {
    model: model.id,
    name,
    input: prov.input,
    value,
    text: inline.text,
    withUnit: inline.withUnit,
    provenance: prov,
    ...(why ? { unstable: why } : {}),
  };
  state.data.metrics.push(collected);
  setOutput(node, { kind: 'metric', metric: collected, text: shown });
}
