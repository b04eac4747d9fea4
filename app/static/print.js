document.getElementById('print-letter')?.addEventListener('click', () => window.print())
