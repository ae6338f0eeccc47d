// The metadata keys every score-wasm model file carries and the value of "format" (the file
// layout is described in models/model_file.h); each architecture writes and checks them.
#pragma once

namespace sw {

inline constexpr char kMetadataFormatKey[] = "format";
inline constexpr char kMetadataArchitectureKey[] = "architecture";
inline constexpr char kMetadataConfigKey[] = "config";
inline constexpr char kModelFileFormat[] = "score-wasm";
// The σ embedding's fixed Fourier frequencies, in every architecture that embeds σ.
inline constexpr char kSigmaEmbeddingFreqsName[] = "sigma_embed.freqs";

}  // namespace sw
