// Activations more than one kernel applies. σ(x) = 1 / (1 + e^−x), torch.sigmoid: the gates of the GRU
// and LSTM (recurrent/gruCell.wgsl, recurrent/lstmCell.wgsl) and of the Tree-LSTM
// (tree/lstmForwardLevel.wgsl).

fn sigmoid(x: f32) -> f32 { return 1.0 / (1.0 + exp(-x)); }
