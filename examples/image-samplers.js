// The samplers of the two image pages (images/, inpainting/) and what their steps mean.

export const denoises = (m) => m.config.sampling?.denoise ?? false;
/** The sampler a model file stores ('annealed-langevin' when it stores none). */
export const fileSampler = (m) => m.config.sampling?.sampler ?? 'annealed-langevin';
// The file's levels when it stores `sampler`, else the page's default for it.
const fileSteps = (m, sampler, fallback) => (fileSampler(m) === sampler && m.config.sampling?.steps) || fallback;
// What `steps` means for each sampler on the image pages, its default there and its network
// evaluations per image. The SDE samplers' defaults are the file's levels when it stores that
// sampler, else the sizes web/models/README.md measured on these networks (the ODE does best with
// few levels there); the API's own defaults (500 levels, 18 for the ODE) cost more.
export const IMAGE_SAMPLERS = {
  'annealed-langevin': {
    stepsLabel: 'Steps per level', min: 1, defaultSteps: (m) => m.config.sampling?.steps_per_level ?? 100,
    evaluations: (m, steps) => m.config.sigmas.length * steps + (denoises(m) ? 1 : 0),
    // Named, not left to the file's default: a file may store an SDE sampler (mnist does).
    options: (steps) => ({ sampler: 'annealed-langevin', stepsPerLevel: steps }),
  },
  'pc': {
    stepsLabel: 'Levels', min: 2, defaultSteps: (m) => fileSteps(m, 'pc', 100),
    evaluations: (m, steps) => 2 * steps,  // one corrector step and the predictor per level
    options: (steps) => ({ sampler: 'pc', steps }),
  },
  'reverse-diffusion': {
    stepsLabel: 'Levels', min: 2, defaultSteps: (m) => fileSteps(m, 'reverse-diffusion', 200),
    evaluations: (m, steps) => steps,
    options: (steps) => ({ sampler: 'reverse-diffusion', steps }),
  },
  'ode': {
    stepsLabel: 'Levels', min: 2, defaultSteps: (m) => fileSteps(m, 'ode', 10),
    evaluations: (m, steps) => 2 * (steps - 1) + (denoises(m) ? 1 : 0),
    options: (steps) => ({ sampler: 'ode', steps }),
  },
};

/**
 * Marks the model file's sampler in a <select> of samplers (" (the file's)") and selects it unless
 * the user has chosen one (or the page does not offer it); returns the selected value.
 */
export function offerFileSampler(select, m, userChose) {
  const stored = fileSampler(m);
  for (const option of select.options) {
    option.dataset.label ??= option.textContent;
    option.textContent = option.dataset.label + (option.value === stored ? " (the file's)" : '');
  }
  if (!userChose && [...select.options].some((option) => option.value === stored)) select.value = stored;
  return select.value;
}
