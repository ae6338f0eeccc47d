// Runs a CommonJS script and returns its module.exports. The Emscripten build is CommonJS, but Node
// would treat its .js files as ES modules because this package's package.json says "type": "module";
// this does what require() does for a .cjs file.
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { createRequire } = require('node:module');

/** @param {string} file absolute path of a CommonJS script */
function loadCommonJs(file) {
  const source = fs.readFileSync(file, 'utf8');
  const wrapper = vm.compileFunction(source, ['exports', 'require', 'module', '__filename', '__dirname'],
    { filename: file });
  const module = { exports: {} };
  wrapper.call(module.exports, module.exports, createRequire(file), module, file, path.dirname(file));
  return module.exports;
}

module.exports = { loadCommonJs };
