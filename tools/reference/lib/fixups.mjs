// Config fix-ups that let tfjs-layers 4.22.0 build Keras-2-style model
// configs (spec/stack.md §6.2). None of them changes inference: they only
// remove training-time objects tfjs does not know, or keys it rejects.
// Every change is recorded so meta.json can say what was altered.

// FixupLog collects the changes, grouped by what was done, with the layers
// it was done to, in model order.
export class FixupLog {
  constructor() {
    this.entries = new Map();
  }

  add(change, why, layer) {
    if (!this.entries.has(change)) this.entries.set(change, { change, why, layers: [] });
    const layers = this.entries.get(change).layers;
    if (layer !== undefined && !layers.includes(layer)) layers.push(layer);
  }

  list() {
    return [...this.entries.values()];
  }
}

// layerConfigs returns the layer objects of a Sequential or Functional
// config ({class_name, config: {layers: [...]}}).
export function layerConfigs(modelConfig) {
  const layers = modelConfig?.config?.layers;
  if (!Array.isArray(layers)) {
    throw new Error(`model config of class ${modelConfig?.class_name}: no "layers" list: only Sequential and Functional models can be run`);
  }
  return layers;
}

// applyTfjsFixups edits the Keras-2-style model config in place.
export function applyTfjsFixups(modelConfig, log) {
  for (const layer of layerConfigs(modelConfig)) {
    const cfg = layer.config;
    for (const key of Object.keys(cfg)) {
      if ((key.endsWith('_regularizer') || key.endsWith('_constraint')) && cfg[key] !== null) {
        log.add(`${key} ${cfg[key].class_name} set to null`,
          'tfjs 4.22 fails with "Unknown regularizer: L2"; regularizers and constraints only act in training', cfg.name);
        cfg[key] = null;
      }
    }
    if (layer.class_name === 'SeparableConv2D') {
      // SeparableConv2D has depthwise_* and pointwise_* variants; the kernel_*
      // keys Keras 2 also writes are unused, and tfjs refuses them.
      for (const key of ['kernel_initializer', 'kernel_regularizer', 'kernel_constraint']) {
        if (key in cfg) {
          log.add(`SeparableConv2D ${key} removed`,
            'unused by Keras SeparableConv2D (it has depthwise_/pointwise_ variants); tfjs 4.22 fails with "Fields kernelInitializer, kernelRegularizer and kernelConstraint are invalid for SeparableConv2D"', cfg.name);
          delete cfg[key];
        }
      }
    }
  }
}
