// example.ts: a TypeScript user of the package, checked by make test-npm
// (tsc --noEmit, strict) against the packed package's cnn2snn.d.ts, where
// npm installed it. Each @ts-expect-error is a misuse the typings must
// refuse: were they too loose, tsc would fail on the unused directive.
import { load, type Cnn2snn, type ConvertOptions, type CheckReport, type Cnn2snnError } from "cnn2snn-wasm";

const cnn2snn: Cnn2snn = await load({ base: "/node_modules/cnn2snn-wasm/" });
const bytes = new Uint8Array(await (await fetch("my_model.h5")).arrayBuffer());

const options: ConvertOptions = {
  target: "v1",
  inputScaling: [255, 0],
  quantize: { weights: 4, activations: 4, inputWeights: 8 },
  inputDtype: "uint8",
  calibrationSamples: 16,
  onProgress: (stage, fraction) => console.log(stage, fraction.toFixed(2)),
};
const { fbz, file_name, report } = await cnn2snn.convert([{ name: "my_model.h5", bytes }], options);
const size: number = fbz.byteLength + report.fbz_bytes + report.layers;
const name: string = file_name + report.akida.layers.map((l) => l.name + l.params["layer_type"]).join();

const check: CheckReport = await cnn2snn.check(bytes, { target: "v2" });
for (const d of check.diagnostics) console.log(d.layer, d.rule, d.message, check.rules[d.rule]);
const firstBlock: string | undefined = check.blocks[0]?.akida_layer;
const shape: (number | null)[] | null | undefined = check.keras?.layers[0]?.output_shape;

const layers = await cnn2snn.inspect(new Blob([bytes]));
console.log(layers.format, layers.total_params, size, name, firstBlock, shape);

const summary = await cnn2snn.summary(fbz);
console.log(summary.summary, summary.model.output_shape?.join("×"));

const proof = await cnn2snn.verify(bytes, { samples: 4, seed: 1 });
const agreement: number = proof.output_agreement;
const floatAgreement: number | null = proof.float_top1_agreement;
console.log(agreement, floatAgreement, proof.proved, proof.layers.map((l) => l.name));

try {
  await cnn2snn.convert(bytes);
} catch (err) {
  const refusal = err as Cnn2snnError;
  console.log(refusal.message, refusal.report?.diagnostics.length);
}

const element = document.querySelector("cnn2snn-converter");
element?.setAttribute("target", "v2");

// @ts-expect-error: "v3" is not a target
await cnn2snn.convert(bytes, { target: "v3" });
// @ts-expect-error: the scaling is [scale, offset]
await cnn2snn.check(bytes, { inputScaling: 255 });
// @ts-expect-error: the quantize object's fields are weights, activations, inputWeights
await cnn2snn.convert(bytes, { quantize: { weight: 4 } });
// @ts-expect-error: an unknown option
await cnn2snn.convert(bytes, { inputscaling: [255, 0] });
// @ts-expect-error: samples belongs to verify
await cnn2snn.convert(bytes, { samples: 4 });
// @ts-expect-error: a file name is not a model
await cnn2snn.inspect("my_model.h5");
// @ts-expect-error: the report has no such field
console.log(report.fbzBytes);
// @ts-expect-error: output_agreement is a number
const wrong: string = proof.output_agreement;
console.log(wrong);
