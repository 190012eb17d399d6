// See https://svelte.dev/docs/kit/types#app.d.ts
declare global {
  namespace App {
    interface PageState {
      /** Where focus goes once the page has loaded: `mine` after returning from a payment. */
      focus?: 'mine';
    }
  }
}
export {};
