export {
  type FastifyInstrumentationConfig,
  type FastifyInstrumentationOptions,
  fastifyInstrumentationConfigSchema,
} from './config.ts';
export { predlogFastify } from './fastify-plugin.ts';
