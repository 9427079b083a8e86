import type { HandlerContext, Handlers } from './context';

/** Local files the user hands over: a drop or paste (granted by the preload), or main's file dialog. */
export function fileHandlers({ grants, platform }: HandlerContext) {
  return {
    'files:grant': async ({ paths }) => {
      await grants.grant(paths);
      return null;
    },
    'files:pick': async ({ kind }) => {
      const paths = await platform.pickFiles(kind);
      await grants.grant(paths);
      return paths;
    },
  } satisfies Pick<Handlers, 'files:grant' | 'files:pick'>;
}
