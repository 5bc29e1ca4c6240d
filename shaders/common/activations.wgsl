// Activations more than one kernel applies. σ(x) = 1 / (1 + e^−x), torch.sigmoid: the gates of the GRU
// and LSTM (recurrent/gruCell.wgsl, recurrent/lstmCell.wgsl) and of the Tree-LSTM
// (tree/lstmForwardLevel.wgsl); tanh, bounded, wherever a kernel applies tanh.

fn sigmoid(x: f32) -> f32 { return 1.0 / (1.0 + exp(-x)); }

/**
 * tanh with its argument clamped to ±15, where tanh is ±1 to within f32. WGSL leaves tanh's accuracy
 * to sinh/cosh, and backends compute it as a ratio of exponentials that overflows: SwiftShader returns
 * NaN past |x| ≈ 44, so a saturated unit, which PyTorch holds at ±1, would turn the loss into NaN.
 */
fn tanhBounded(x: f32) -> f32 { return tanh(clamp(x, -15.0, 15.0)); }
