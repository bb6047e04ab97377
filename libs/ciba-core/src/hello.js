"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.hello = void 0;
const jose_1 = require("jose");
const hello = (s) => jose_1.base64url.encode(s);
exports.hello = hello;
//# sourceMappingURL=hello.js.map