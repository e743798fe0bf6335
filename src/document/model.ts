/**
 * `::model{#id src="models/x.onnx" input="1x3x224x224" batch=2 label="ResNet-18"}` and
 * `::model{#id zoo=resnet50}`: declare a model for the rest of the document. Every declaration in the
 * file is registered before any other directive runs, so a table may come before the models it shows.
 * Declarations render nothing, unless the model fails: then the declaration shows an error box
 * (placed by the finishing pass, once every use has had its chance to fail).
 */
import path from 'node:path';
import type { Root } from 'mdast';
import { visit } from 'unist-util-visit';
import type { VFile } from 'vfile';
import { zoo, type ZooEntry } from '../zoo/registry.js';
import {
  AttributeError,
  attributeProblems,
  type DirectiveNode,
  markHandled,
  names,
  positiveInteger,
  readAttributes,
  report,
  suggestion,
  text,
} from './directive.js';
import { phrase, type Said } from '../i18n/index.js';
import { InputSyntaxError, type InputPoint, parseInputAttribute } from './input-shapes.js';
import type { DeclaredModel } from '../measure/registry.js';
import { guardedSync, showError } from './error-box.js';
import { documentState, type StateOptions } from './state.js';
import { reportModelFailure } from './uses.js';

/** `input=` with its syntax errors as attribute errors. */
export const inputAttribute = {
  description: 'input shape(s): 1x3x224x224, name=1x3x224x224,mask=1x128, or a sweep 1x3x{200,224,256}x{200,224,256}',
  parse(value: string): InputPoint[] {
    try {
      return parseInputAttribute(value);
    } catch (err) {
      if (err instanceof InputSyntaxError)
        throw new AttributeError(phrase('diag.input.at', { reason: err.said, character: err.offset + 1 }), 'malformed-shape');
      throw err;
    }
  },
};

const zooAttribute = {
  description: 'a built-in architecture: ' + zoo.map((z) => z.name).join(', '),
  parse(value: string): ZooEntry {
    const entry = zoo.find((z) => z.name === value);
    if (!entry)
      throw new AttributeError(
        phrase('diag.model.unknownZoo', {
          suggestion: suggestion(
            value,
            zoo.map((z) => z.name),
          ),
          known: names(zoo.map((z) => z.name)),
        }),
      );
    return entry;
  },
};

const modelAttributes = {
  id: text('the model id, written #id'),
  src: text('path of the .onnx file, relative to the Markdown file'),
  zoo: zooAttribute,
  input: inputAttribute,
  batch: positiveInteger('samples per benchmark run (default: front matter batch, else 1)'),
  label: text('name shown in tables and charts (default: the id)'),
};

export default function remarkModelpressModels(options: StateOptions = {}) {
  return (tree: Root, file: VFile): void => {
    const state = documentState(file, options);
    visit(tree, (node) => {
      if ((node.type !== 'leafDirective' && node.type !== 'containerDirective' && node.type !== 'textDirective') || (node as DirectiveNode).name !== 'model')
        return;
      const directive = node as DirectiveNode;
      markHandled(directive);
      const problems: Said[] = [];
      guardedSync(directive, file, () => {
        if (!declare(directive, file, state, problems))
          showError(directive, file, problems.length > 0 ? attributeProblems(problems) : phrase('diag.model.hasErrors'), 'bad-attribute');
      });
    });
  };

  function declare(node: DirectiveNode, file: VFile, state: ReturnType<typeof documentState>, problems: Said[]): boolean {
    if (node.type === 'textDirective') {
      report(file, node, phrase('diag.model.block'), 'bad-attribute');
      return false;
    }
    const read = readAttributes(node, file, modelAttributes);
    const { ok, values } = read;
    problems.push(...read.problems);
    const id = values.id;
    if (!id) {
      if (ok) report(file, node, phrase('diag.model.needsId'), 'missing-attribute');
      return false;
    }
    if (!/^[A-Za-z_][\w.-]*$/.test(id)) {
      report(file, node, phrase('diag.model.badId', { id }), 'bad-attribute', 'id');
      return false;
    }
    if (state.registry.get(id)) {
      report(file, node, phrase('diag.model.twice', { id }), 'duplicate-id', 'id');
      return false;
    }
    if (values.src !== undefined && values.zoo !== undefined) {
      report(file, node, phrase('diag.model.srcAndZoo', { id }), 'bad-attribute', 'zoo');
      return false;
    }
    if (values.src === undefined && values.zoo === undefined) {
      if (ok) report(file, node, phrase('diag.model.needsSource', { id }), 'missing-attribute');
      return false;
    }
    if (!ok) return false;
    const source: DeclaredModel['source'] =
      values.src !== undefined ? { kind: 'file', path: path.resolve(state.baseDir, values.src), written: values.src } : { kind: 'zoo', entry: values.zoo! };
    const model: DeclaredModel = {
      id,
      label: values.label ?? id,
      source,
      points: values.input ?? [{ text: '', shapes: new Map(), label: '' }],
      inputGiven: values.input !== undefined,
      batch: values.batch ?? state.settings.batch,
      place: node.position,
    };
    state.registry.declare(model);
    state.data.models.push({
      id,
      label: model.label,
      source: source.kind === 'zoo' ? `zoo:${source.entry.name}` : source.written,
      inputs: model.points.map((p) => p.text),
      batch: model.batch,
    });
    // A missing file is found now, even if nothing uses the model yet — except in a --frozen build from
    // a results store, which needs no model files (each use reports a result the store lacks).
    const ident = state.registry.identity(model, model.points[0]!);
    if (!ident.ok && !(state.registry.servesWithoutModels && ident.failure.ruleId === 'missing-model')) reportModelFailure(state, file, model, ident.failure);
    return true;
  }
}
