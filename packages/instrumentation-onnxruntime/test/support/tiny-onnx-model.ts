/**
 * Writes a tiny ONNX model for the tests: `score = Sigmoid(x · W + b)`, x float32 [batch, 3],
 * score float32 [batch, 1]. The protobuf is encoded by hand (field numbers from onnx.proto), so
 * the tests need no model file from anywhere.
 */

export const WEIGHTS = [0.5, -1.25, 2] as const;
export const BIAS = 0.1;

class Writer {
  private readonly bytes: number[] = [];

  varint(field: number, value: number): this {
    this.tag(field, 0);
    this.raw(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytesField(field, new TextEncoder().encode(value));
  }

  bytesField(field: number, value: Uint8Array): this {
    this.tag(field, 2);
    this.raw(value.length);
    this.bytes.push(...value);
    return this;
  }

  message(field: number, build: (writer: Writer) => void): this {
    const nested = new Writer();
    build(nested);
    return this.bytesField(field, nested.finish());
  }

  finish(): Uint8Array<ArrayBuffer> {
    return Uint8Array.from(this.bytes);
  }

  private tag(field: number, wire: number): void {
    this.raw(field * 8 + wire);
  }

  private raw(value: number): void {
    let rest = value;
    while (rest >= 0x80) {
      this.bytes.push((rest % 0x80) | 0x80);
      rest = Math.floor(rest / 0x80);
    }
    this.bytes.push(rest);
  }
}

function floats(values: readonly number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  values.forEach((value, i) => {
    view.setFloat32(i * 4, value, true);
  });
  return out;
}

function tensorType(writer: Writer, dims: ReadonlyArray<number | string>): void {
  writer.message(1, (tensor) =>
    tensor.varint(1, 1).message(2, (shape) => {
      for (const dim of dims)
        shape.message(1, (d) => (typeof dim === 'number' ? d.varint(1, dim) : d.string(2, dim)));
    }),
  );
}

export function tinyOnnxModel(): Uint8Array<ArrayBuffer> {
  return new Writer()
    .varint(1, 8)
    .string(2, 'predlog-test')
    .message(7, (graph) => {
      graph.message(1, (n) => n.string(1, 'x').string(1, 'W').string(2, 'xw').string(4, 'MatMul'));
      graph.message(1, (n) => n.string(1, 'xw').string(1, 'b').string(2, 'logit').string(4, 'Add'));
      graph.message(1, (n) => n.string(1, 'logit').string(2, 'score').string(4, 'Sigmoid'));
      graph.string(2, 'tiny');
      graph.message(5, (t) =>
        t.varint(1, 3).varint(1, 1).varint(2, 1).string(8, 'W').bytesField(9, floats(WEIGHTS)),
      );
      graph.message(5, (t) =>
        t
          .varint(1, 1)
          .varint(2, 1)
          .string(8, 'b')
          .bytesField(9, floats([BIAS])),
      );
      graph.message(11, (v) => v.string(1, 'x').message(2, (type) => tensorType(type, ['batch', 3])));
      graph.message(12, (v) => v.string(1, 'score').message(2, (type) => tensorType(type, ['batch', 1])));
    })
    .message(8, (opset) => opset.string(1, '').varint(2, 17))
    .finish();
}

/** What the model computes, in float64. */
export function expectedScore(row: readonly number[]): number {
  const z = row.reduce((sum, value, i) => sum + value * (WEIGHTS[i] as number), BIAS);
  return 1 / (1 + Math.exp(-z));
}
