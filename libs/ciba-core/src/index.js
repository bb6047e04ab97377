"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.hello = void 0;
var hello_1 = require("./hello");
Object.defineProperty(exports, "hello", { enumerable: true, get: function () { return hello_1.hello; } });
//# sourceMappingURL=index.js.map