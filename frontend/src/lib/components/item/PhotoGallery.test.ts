import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type { Listing } from '$lib/api/client';
import PhotoGallery from './PhotoGallery.svelte';

type Photo = Listing['files'][number];
const photo = (id: string): Photo => ({
  id,
  kind: 'photo',
  file_name: `${id}.jpg`,
  content_type: 'image/jpeg',
  size: 1,
  url: `/api/files/${id}`,
  variants: [
    { width: 320, url: `/api/files/${id}?w=320` },
    { width: 960, url: `/api/files/${id}?w=960` },
  ],
});

describe('the photos', () => {
  it('says there are none', () => {
    render(PhotoGallery, { props: { photos: [] } });
    expect(screen.getByText('暂无照片')).toBeTruthy();
  });

  it('shows the largest copy that fits, switches by thumbnail, and zooms to the original', async () => {
    render(PhotoGallery, { props: { photos: [photo('p1'), photo('p2')] } });
    const main = () => screen.getByRole('button', { name: /放大照片/ }).querySelector('img');
    expect(main()?.getAttribute('src')).toBe('/api/files/p1?w=960');
    expect(main()?.getAttribute('srcset')).toBe('/api/files/p1?w=320 320w, /api/files/p1?w=960 960w');
    await fireEvent.click(screen.getAllByRole('button', { pressed: false })[0]);
    expect(main()?.getAttribute('src')).toBe('/api/files/p2?w=960');
    await fireEvent.click(screen.getByRole('button', { name: '放大照片 2' }));
    expect(screen.getByRole('dialog').querySelector('img')?.getAttribute('src')).toBe('/api/files/p2');
  });
});
