// Lets plain Node run our TypeScript sources and import `*.wgsl?raw`. The hooks
// have one home, next to the `webseek` bin that needs them at run time.
import '../packages/server/loader/register.mjs';
