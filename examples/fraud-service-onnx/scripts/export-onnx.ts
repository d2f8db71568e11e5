/**
 * Exports the fraud model (examples/fraud-service/model/weights.json) to ONNX: a ModelProto whose
 * graph computes sigmoid(((features - means) / stds) · coefficients + intercept), the same
 * arithmetic as the JavaScript `FraudModel.predict`, in float32.
 *
 *   node scripts/export-onnx.ts [--weights path] [--out model/fraud.onnx]
 *
 * The protobuf is written by hand (scripts/protobuf-writer.ts, field numbers from onnx/onnx.proto):
 * nothing is downloaded, and the same weights always give the same bytes.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  DEFAULT_WEIGHTS_PATH,
  type ModelWeights,
  parseModelWeights,
} from '@predlog/example-fraud-service/model';
import { float32LittleEndian, ProtobufWriter } from './protobuf-writer.ts';

export const DEFAULT_ONNX_PATH = new URL('../model/fraud.onnx', import.meta.url);
export const ONNX_INPUT = 'features';
export const ONNX_OUTPUT = 'score';

/** onnx.proto: TensorProto.DataType.FLOAT. */
const FLOAT = 1;
/** IR version 8 with opset 17 is read by every onnxruntime release since 1.11. */
const IR_VERSION = 8;
const OPSET = 17;

// Field numbers of onnx.proto (proto2).
const MODEL = {
  irVersion: 1,
  producerName: 2,
  producerVersion: 3,
  docString: 6,
  graph: 7,
  opsetImport: 8,
  metadataProps: 14,
};
const OPSET_ID = { domain: 1, version: 2 };
const ENTRY = { key: 1, value: 2 };
const GRAPH = { node: 1, name: 2, initializer: 5, docString: 10, input: 11, output: 12 };
const NODE = { input: 1, output: 2, name: 3, opType: 4 };
const TENSOR = { dims: 1, dataType: 2, name: 8, rawData: 9 };
const VALUE_INFO = { name: 1, type: 2 };
const TYPE = { tensorType: 1 };
const TYPE_TENSOR = { elemType: 1, shape: 2 };
const SHAPE = { dim: 1 };
const DIMENSION = { dimValue: 1, dimParam: 2 };

type Dim = number | string;

function initializer(
  graph: ProtobufWriter,
  name: string,
  dims: readonly number[],
  values: readonly number[],
): void {
  graph.message(GRAPH.initializer, (t) => {
    // proto2 `repeated int64 dims` is not packed: one tag per dimension.
    for (const dim of dims) t.varint(TENSOR.dims, dim);
    t.varint(TENSOR.dataType, FLOAT)
      .string(TENSOR.name, name)
      .bytes(TENSOR.rawData, float32LittleEndian(values));
  });
}

function valueInfo(graph: ProtobufWriter, field: number, name: string, dims: readonly Dim[]): void {
  graph.message(field, (v) => {
    v.string(VALUE_INFO.name, name).message(VALUE_INFO.type, (type) =>
      type.message(TYPE.tensorType, (tensor) => {
        tensor.varint(TYPE_TENSOR.elemType, FLOAT).message(TYPE_TENSOR.shape, (shape) => {
          for (const dim of dims)
            shape.message(SHAPE.dim, (d) =>
              typeof dim === 'number' ? d.varint(DIMENSION.dimValue, dim) : d.string(DIMENSION.dimParam, dim),
            );
        });
      }),
    );
  });
}

function node(graph: ProtobufWriter, opType: string, inputs: readonly string[], output: string): void {
  graph.message(GRAPH.node, (n) => {
    for (const input of inputs) n.string(NODE.input, input);
    n.string(NODE.output, output)
      .string(NODE.name, `${opType.toLowerCase()}_${output}`)
      .string(NODE.opType, opType);
  });
}

/** The ONNX bytes of the model: input `features` float32 [batch, 23], output `score` float32 [batch, 1]. */
export function buildFraudOnnx(weights: ModelWeights): Uint8Array {
  const width = weights.featureNames.length;
  const model = new ProtobufWriter();
  model
    .varint(MODEL.irVersion, IR_VERSION)
    .string(MODEL.producerName, 'predlog-example-fraud-service-onnx')
    .string(MODEL.producerVersion, '0.1.0')
    .string(MODEL.docString, `fraud logistic regression ${weights.modelVersion}, exported from weights.json`)
    .message(MODEL.graph, (graph) => {
      node(graph, 'Sub', [ONNX_INPUT, 'means'], 'centered');
      node(graph, 'Div', ['centered', 'stds'], 'standardised');
      node(graph, 'MatMul', ['standardised', 'coefficients'], 'logit_terms');
      node(graph, 'Add', ['logit_terms', 'intercept'], 'logit');
      node(graph, 'Sigmoid', ['logit'], ONNX_OUTPUT);
      graph.string(GRAPH.name, 'fraud_logistic_regression');
      initializer(graph, 'means', [width], weights.means);
      initializer(graph, 'stds', [width], weights.stds);
      initializer(graph, 'coefficients', [width, 1], weights.coefficients);
      initializer(graph, 'intercept', [1], [weights.intercept]);
      graph.string(GRAPH.docString, `features in this order: ${weights.featureNames.join(', ')}`);
      valueInfo(graph, GRAPH.input, ONNX_INPUT, ['batch', width]);
      valueInfo(graph, GRAPH.output, ONNX_OUTPUT, ['batch', 1]);
    })
    .message(MODEL.opsetImport, (opset) => opset.string(OPSET_ID.domain, '').varint(OPSET_ID.version, OPSET));
  const metadata: Array<[string, string]> = [
    ['model_name', weights.modelName],
    ['source_model_version', weights.modelVersion],
    ['threshold', String(weights.threshold)],
    ['feature_names', weights.featureNames.join(',')],
  ];
  for (const [key, value] of metadata)
    model.message(MODEL.metadataProps, (entry) => entry.string(ENTRY.key, key).string(ENTRY.value, value));
  return model.finish();
}

export async function exportFraudOnnx(
  weightsPath: string | URL = DEFAULT_WEIGHTS_PATH,
  outPath: string | URL = DEFAULT_ONNX_PATH,
): Promise<Uint8Array> {
  const weights = parseModelWeights(JSON.parse(await readFile(weightsPath, 'utf8')));
  const bytes = buildFraudOnnx(weights);
  await writeFile(outPath, bytes);
  return bytes;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { weights: { type: 'string' }, out: { type: 'string' } } });
  const bytes = await exportFraudOnnx(
    values.weights ?? DEFAULT_WEIGHTS_PATH,
    values.out ?? DEFAULT_ONNX_PATH,
  );
  process.stdout.write(`wrote ${values.out ?? fileURLToPath(DEFAULT_ONNX_PATH)} (${bytes.length} bytes)\n`);
}
