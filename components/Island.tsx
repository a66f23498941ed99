import type { ComponentType } from "preact";

/**
 * Server-renders an island and marks it for hydration in the browser: the
 * client script finds `data-island` elements and hydrates them with the same
 * (serialisable) props.
 */
export function Island<P extends Record<string, unknown>>(
  { name, component: Component, props }: { name: string; component: ComponentType<P>; props: P },
) {
  return (
    <div data-island={name} data-props={JSON.stringify(props)}>
      <Component {...props} />
    </div>
  );
}
