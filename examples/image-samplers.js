// The samplers of the two image pages (images/, inpainting/) and what their steps mean.

export const denoises = (m) => m.config.sampling?.denoise ?? false;
// What `steps` means for each sampler on the image pages, its default there and its network
// evaluations per image. The SDE samplers' defaults are the sizes web/models/README.md measured on
// these networks (the ODE does best with few levels there); the API's own defaults (500 levels, 18
// for the ODE) cost more.
export const IMAGE_SAMPLERS = {
  'annealed-langevin': {
    stepsLabel: 'Steps per level', min: 1, defaultSteps: (m) => m.config.sampling?.steps_per_level ?? 100,
    evaluations: (m, steps) => m.config.sigmas.length * steps + (denoises(m) ? 1 : 0),
    options: (steps) => ({ stepsPerLevel: steps }),
  },
  'pc': {
    stepsLabel: 'Levels', min: 2, defaultSteps: () => 100,
    evaluations: (m, steps) => 2 * steps,  // one corrector step and the predictor per level
    options: (steps) => ({ sampler: 'pc', steps }),
  },
  'reverse-diffusion': {
    stepsLabel: 'Levels', min: 2, defaultSteps: () => 200,
    evaluations: (m, steps) => steps,
    options: (steps) => ({ sampler: 'reverse-diffusion', steps }),
  },
  'ode': {
    stepsLabel: 'Levels', min: 2, defaultSteps: () => 10,
    evaluations: (m, steps) => 2 * (steps - 1) + (denoises(m) ? 1 : 0),
    options: (steps) => ({ sampler: 'ode', steps }),
  },
};
