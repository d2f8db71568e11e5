export {
  type ExpressInstrumentationConfig,
  type ExpressInstrumentationOptions,
  expressInstrumentationConfigSchema,
} from './config.ts';
export {
  createExpressMiddleware,
  type ExpressNext,
  type ExpressRequestLike,
  type PredlogExpressMiddleware,
} from './express-middleware.ts';
export { predlogExpress } from './factory.ts';
