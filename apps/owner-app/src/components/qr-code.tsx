import { useEffect, useState } from 'preact/hooks';

/**
 * A QR code drawn as one SVG path (no canvas, no markup from strings): dark modules
 * as unit squares, a four-module quiet zone (ISO/IEC 18004 §6.3.8). The encoder is
 * loaded on first use, so it does not weigh on the app's first load.
 */
export function QrCode({ text, label }: { text: string; label: string }) {
  const [code, setCode] = useState<{ size: number; d: string }>();
  useEffect(() => {
    let live = true;
    void import('qrcode').then(({ create }) => {
      const { modules } = create(text, { errorCorrectionLevel: 'M' });
      let d = '';
      for (let y = 0; y < modules.size; y++) {
        for (let x = 0; x < modules.size; x++) if (modules.get(y, x)) d += `M${x} ${y}h1v1h-1z`;
      }
      if (live) setCode({ size: modules.size, d });
    });
    return () => {
      live = false;
    };
  }, [text]);
  if (!code) return <div class="qr" role="img" aria-label={label} style={{ aspectRatio: '1' }} />;
  const side = code.size + 8;
  return (
    <svg class="qr" viewBox={`-4 -4 ${side} ${side}`} role="img" aria-label={label} shape-rendering="crispEdges">
      <rect x="-4" y="-4" width={side} height={side} fill="#fff" />
      <path d={code.d} fill="#000" />
    </svg>
  );
}
