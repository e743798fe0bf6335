/**
 * The reference architectures modelpress can build without a file (`::model{zoo=…}`,
 * `modelpress zoo export`), with what a reader needs to trust them: the default input, the
 * parameter count the built graph holds and where the published numbers come from.
 */
import type { Dim, Model } from '../onnx/model.js';
import { alexnet } from './alexnet.js';
import { densenet } from './densenet.js';
import { dpn, type DpnName } from './dpn.js';
import { gpt2 } from './gpt2.js';
import { inceptionV3 } from './inception.js';
import { inceptionV4 } from './inception_v4.js';
import { buildLlama, type LlamaConfig, llama2_7b, llamaParams, llamaSmall, llamaTiny, writeLlamaExternal } from './llama.js';
import { mobilenetV2 } from './mobilenet.js';
import type { BuildOptions } from './nn.js';
import { resnet } from './resnet.js';
import { seResnet } from './se_resnet.js';
import { deepSpeckle } from './speckle.js';
import { swinT } from './swin.js';
import { transformerBaseEncoder } from './transformer.js';
import { unet } from './unet.js';
import { vgg } from './vgg.js';
import { vitB16 } from './vit.js';

export interface ZooEntry {
  /** The name used in `zoo=` and on the command line (torchvision's function name where there is one). */
  name: string;
  family: string;
  description: string;
  /** The graph input: `input` [batch, C, H, W] for images, `input_ids` [batch, sequence] for text. */
  input: { name: 'input' | 'input_ids'; shape: Dim[] };
  /** Parameters the built graph holds (BatchNorm running statistics excluded, tied weights once). */
  params: number;
  /** Image models whose height and width may be changed with `--size`. */
  resizable: boolean;
  /** Where the architecture and its published numbers come from. */
  source: string;
  build(options: BuildOptions): Model;
  /**
   * Models described by dims alone write themselves: the .onnx and a sparse external data file beside
   * it (`<name>.weights`), never materialising the weights. Callers use this instead of `build`.
   */
  write?: ((file: string, options: BuildOptions) => void) | undefined;
}

const torchvision = 'torchvision.models (v0.20 model docs: params, GFLOPS at the default size)';
const pretrainedmodels = "pretrainedmodels (Cadene/pretrained-models.pytorch), the seed's ptflops table";

function image(c: number, size: number): ZooEntry['input'] {
  return { name: 'input', shape: ['batch', c, size, size] };
}

const text: ZooEntry['input'] = { name: 'input_ids', shape: ['batch', 'sequence'] };

export const zoo: readonly ZooEntry[] = [
  {
    name: 'alexnet',
    family: 'AlexNet',
    description: 'AlexNet (torchvision, 64-192-384-256-256 channels)',
    input: image(3, 224),
    params: 61_100_840,
    resizable: true,
    source: torchvision,
    build: alexnet,
  },
  ...([11, 13, 16, 19] as const).map(
    (d): ZooEntry => ({
      name: `vgg${d}`,
      family: 'VGG',
      description: `VGG-${d} without BatchNorm (Simonyan & Zisserman, torchvision)`,
      input: image(3, 224),
      params: { 11: 132_863_336, 13: 133_047_848, 16: 138_357_544, 19: 143_667_240 }[d],
      resizable: true,
      source: torchvision,
      build: (o) => vgg(d, o),
    }),
  ),
  ...([18, 34, 50, 101, 152] as const).map(
    (d): ZooEntry => ({
      name: `resnet${d}`,
      family: 'ResNet',
      description: `ResNet-${d} (He et al., torchvision v1.5)`,
      input: image(3, 224),
      params: { 18: 11_689_512, 34: 21_797_672, 50: 25_557_032, 101: 44_549_160, 152: 60_192_808 }[d],
      resizable: true,
      source: torchvision,
      build: (o) => resnet(d, o),
    }),
  ),
  ...([50, 101, 152] as const).map(
    (d): ZooEntry => ({
      name: `resnet${d}_v1`,
      family: 'ResNet',
      description: `ResNet-${d} as in the paper (v1: stride on the first 1×1 of a bottleneck)`,
      input: image(3, 224),
      params: { 50: 25_557_032, 101: 44_549_160, 152: 60_192_808 }[d],
      resizable: true,
      source: 'He et al. 2016, Table 1 (FLOPs are multiply-adds); Caffe release',
      build: (o) => resnet(d, o, 'v1'),
    }),
  ),
  ...([50, 101, 152] as const).map(
    (d): ZooEntry => ({
      name: `se_resnet${d}`,
      family: 'SE-ResNet',
      description: `SE-ResNet-${d} (Hu et al., pretrainedmodels: Caffe stride placement, reduction 16)`,
      input: image(3, 224),
      params: { 50: 28_088_024, 101: 49_326_872, 152: 66_821_848 }[d],
      resizable: true,
      source: pretrainedmodels,
      build: (o) => seResnet(d, o),
    }),
  ),
  ...(
    [
      ['dpn68', 12_611_602],
      ['dpn68b', 12_611_602],
      ['dpn92', 37_668_392],
      ['dpn98', 61_570_728],
      ['dpn107', 86_917_800],
      ['dpn131', 79_254_504],
    ] as [DpnName, number][]
  ).map(
    ([name, params]): ZooEntry => ({
      name,
      family: 'DPN',
      description: `${name.replace('dpn', 'DPN-')} (Chen et al., Dual Path Networks; pretrainedmodels)`,
      input: image(3, 224),
      params,
      resizable: true,
      source: pretrainedmodels,
      build: (o) => dpn(name, o),
    }),
  ),
  ...([121, 161, 169, 201] as const).map(
    (d): ZooEntry => ({
      name: `densenet${d}`,
      family: 'DenseNet',
      description: `DenseNet-BC-${d} (Huang et al., torchvision)`,
      input: image(3, 224),
      params: { 121: 7_978_856, 161: 28_681_000, 169: 14_149_480, 201: 20_013_928 }[d],
      resizable: true,
      source: torchvision,
      build: (o) => densenet(d, o),
    }),
  ),
  {
    name: 'inception_v3',
    family: 'Inception',
    description: 'Inception-v3 with its auxiliary classifier (second output `aux`)',
    input: image(3, 299),
    params: 27_161_264,
    resizable: true,
    source: torchvision,
    build: (o) => inceptionV3({ ...o, aux: true }),
  },
  {
    name: 'inception_v3_noaux',
    family: 'Inception',
    description: 'Inception-v3 as run at inference (no auxiliary classifier)',
    input: image(3, 299),
    params: 23_834_568,
    resizable: true,
    source: torchvision,
    build: (o) => inceptionV3({ ...o, aux: false }),
  },
  {
    name: 'inceptionv4',
    family: 'Inception-v4',
    description: 'Inception-v4 (Szegedy et al. 2017, pretrainedmodels), 1000 classes',
    input: image(3, 299),
    params: 42_679_816,
    resizable: true,
    source: pretrainedmodels,
    build: inceptionV4,
  },
  {
    name: 'mobilenet_v2',
    family: 'MobileNet',
    description: 'MobileNetV2, width 1.0 (Sandler et al., torchvision)',
    input: image(3, 224),
    params: 3_504_872,
    resizable: true,
    source: torchvision,
    build: mobilenetV2,
  },
  {
    name: 'vit_b_16',
    family: 'ViT',
    description: 'ViT-B/16 (Dosovitskiy et al., torchvision); 224×224 only',
    input: image(3, 224),
    params: 86_567_656,
    resizable: false,
    source: torchvision,
    build: vitB16,
  },
  {
    name: 'swin_t',
    family: 'Swin',
    description: 'Swin-T (Liu et al., torchvision); 224×224 only',
    input: image(3, 224),
    params: 28_288_354,
    resizable: false,
    source: torchvision,
    build: swinT,
  },
  {
    name: 'transformer_base_encoder',
    family: 'Transformer',
    description: 'Base encoder of "Attention Is All You Need": d 512, 8 heads, 6 layers, FFN 2048, vocabulary 37,000',
    input: text,
    params: 37_858_304,
    resizable: false,
    source: 'Vaswani et al. 2017, Table 3 (base); PyTorch nn.TransformerEncoderLayer',
    build: transformerBaseEncoder,
  },
  {
    name: 'gpt2',
    family: 'GPT-2',
    description: 'GPT-2 small: 12 layers, d 768, 12 heads, vocabulary 50,257, context 1,024, tied LM head',
    input: text,
    params: 124_439_808,
    resizable: false,
    source: 'Radford et al. 2019; Hugging Face GPT2LMHeadModel (gpt2) parameter count',
    build: gpt2,
  },
  {
    name: 'unet',
    family: 'UNet',
    description: 'UNet for image reconstruction (1 channel in and out; works at 200, 224, 256 …)',
    input: image(1, 256),
    params: 31_036_481,
    resizable: true,
    source: 'Ronneberger et al. 2015; milesial/Pytorch-UNet (bilinear=False)',
    build: unet,
  },
  {
    name: 'deep_speckle',
    family: 'Deep-Speckle',
    description: 'Deep speckle correlation (Li, Xue & Tian 2018): UNet of dense blocks, 1 channel in, 2 out (sizes divisible by 16)',
    input: image(1, 256),
    params: 21_850_530,
    resizable: true,
    source: "Li, Xue & Tian, Optica 2018; the authors' Keras definition (Deep-Speckle-Correlation)",
    build: deepSpeckle,
  },
  ...llamaEntries(),
];

/**
 * Llama-style decoders with a KV cache (inputs `input_ids`, `past_key_values.<l>.key/value`; bind
 * `batch`, `sequence_length`, `past_sequence_length`), in the plain-ONNX and the fused com.microsoft
 * form (same MACs), and the fused form with 4-bit MatMulNBits projections.
 */
function llamaEntries(): ZooEntry[] {
  const decoder: ZooEntry['input'] = { name: 'input_ids', shape: ['batch', 'sequence_length'] };
  const source = 'Touvron et al. 2023 (Llama 2); Hugging Face LlamaForCausalLM; ONNX Runtime GenAI fused ops';
  const shape = (c: LlamaConfig): string =>
    `${c.layers} layers, D ${c.dModel}, ${c.heads} heads over ${c.kvHeads} KV heads, FFN ${c.ffn}, vocabulary ${c.vocab.toLocaleString('en-US')}`;
  const entries: ZooEntry[] = [];
  for (const [name, c] of [
    ['llama_tiny', llamaTiny],
    ['llama_small', llamaSmall],
  ] as const) {
    entries.push(
      {
        name,
        family: 'Llama',
        description: `Llama-style decoder, plain ONNX, KV cache: ${shape(c)}`,
        input: decoder,
        params: llamaParams(c),
        resizable: false,
        source,
        build: (o) => buildLlama(c, { seed: o.seed, form: 'plain', kvCache: true, name }).model,
      },
      {
        name: `${name}_fused`,
        family: 'Llama',
        description: `${name} as com.microsoft fused ops (GroupQueryAttention, SimplifiedLayerNormalization)`,
        input: decoder,
        params: llamaParams(c),
        resizable: false,
        source,
        build: (o) => buildLlama(c, { seed: o.seed, form: 'fused', kvCache: true, name: `${name}_fused` }).model,
      },
      {
        name: `${name}_int4`,
        family: 'Llama',
        description: `${name}_fused with every projection and the head as 4-bit MatMulNBits (block 32)`,
        input: decoder,
        params: llamaParams(c),
        resizable: false,
        source,
        build: (o) => buildLlama(c, { seed: o.seed, form: 'fused', kvCache: true, quant: 4, name: `${name}_int4` }).model,
      },
    );
  }
  entries.push({
    name: 'llama2_7b',
    family: 'Llama',
    description: `Llama-2-7B-shaped decoder, float16, KV cache, weights as sparse external data (dims only): ${shape(llama2_7b)}`,
    input: decoder,
    params: llamaParams(llama2_7b),
    resizable: false,
    source: 'Touvron et al. 2023; meta-llama/Llama-2-7b-hf config.json (6,738,415,616 parameters)',
    build: () => buildLlama(llama2_7b, { form: 'plain', kvCache: true, dtype: 'float16', weights: 'external', name: 'llama2_7b' }).model,
    write: (file) => void writeLlamaExternal(llama2_7b, file, { form: 'plain', kvCache: true, dtype: 'float16', name: 'llama2_7b' }),
  });
  for (const bits of [4, 8] as const) {
    const name = `llama2_7b_int${bits}`;
    const o = { form: 'fused', kvCache: true, dtype: 'float16', quant: bits, name } as const;
    entries.push({
      name,
      family: 'Llama',
      description: `llama2_7b as fused ops with every projection and the head as ${bits}-bit MatMulNBits (block 32, float16 scales); sparse external data`,
      input: decoder,
      params: llamaParams(llama2_7b),
      resizable: false,
      source: 'as llama2_7b; ONNX Runtime GenAI int4/int8 (MatMulNBits) export layout',
      build: () => buildLlama(llama2_7b, { ...o, weights: 'external' }).model,
      write: (file) => void writeLlamaExternal(llama2_7b, file, o),
    });
  }
  return entries;
}

/** The entry named `name`, or an error listing the names that exist. */
export function zooEntry(name: string): ZooEntry {
  const entry = zoo.find((e) => e.name === name);
  if (!entry) throw new Error(`unknown zoo architecture '${name}'; known: ${zoo.map((e) => e.name).join(', ')}`);
  return entry;
}
